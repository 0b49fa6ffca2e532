// Secrets are write-only, sealed at rest, granted explicitly and scoped; function environment
// variables are validated (issue 8, items 1, 2 and 7). Every value set here is a recognizable
// random string, and the leak scan at the end looks for them in every response and D1 table.
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";

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
    expect(await json(granted)).toEqual({ function: "crm", grants: ["CRM_TOKEN"], env: {} });
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
