// The HTTP API against the real local server: deploy, call as a tool, read the trace.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";

const url = inject("kilnUrl");
const auth = { authorization: `Bearer ${inject("adminKey")}`, "content-type": "application/json" };

describe("local server", () => {
  it("serves the dashboard and keeps the API authenticated", async () => {
    const page = await fetch(`${url}/runs/some-id`, { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const api = await fetch(`${url}/v1/functions`);
    expect(api.status).toBe(401);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
  });

  it("deploys a function, calls it as a tool and records its run", async () => {
    const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({ n: z.number() }), run: async ({ n }, ctx) => ctx.step("double", () => n * 2) });`;
    const deployed = await fetch(`${url}/v1/functions`, { method: "POST", headers: auth, body: JSON.stringify({ name: "double", code }) });
    expect(deployed.status).toBe(201);
    const call = await fetch(`${url}/v1/tools/double`, { method: "POST", headers: auth, body: JSON.stringify({ n: 21 }) });
    expect(call.status).toBe(200);
    expect(await call.json()).toBe(42);
    const runId = call.headers.get("kiln-run-id");
    let run: any;
    for (let i = 0; i < 50 && !run; i++) {
      const res = await fetch(`${url}/v1/runs/${runId}`, { headers: auth });
      if (res.ok) run = await res.json();
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(run).toMatchObject({ status: "succeeded", output: 42, steps: [{ name: "double", status: "succeeded" }] });
  });

  it("re-seals stored secrets with `npm run secrets:rekey`", async () => {
    const put = await fetch(`${url}/v1/secrets/REKEY_PROBE`, { method: "PUT", headers: auth, body: JSON.stringify({ value: "v-123456" }) });
    expect(put.status).toBeLessThan(300);
    const script = path.join(import.meta.dirname, "../../scripts/secrets-rekey.mjs");
    const out = execFileSync(process.execPath, [script], {
      env: { ...process.env, KILN_URL: url, KILN_ADMIN_KEY: inject("adminKey") },
      encoding: "utf8",
    });
    // Nothing was sealed with another key, so nothing needs re-sealing; the key id is the current one.
    const { items } = await (await fetch(`${url}/v1/secrets`, { headers: auth })).json();
    const probe = items.find((s: { name: string }) => s.name === "REKEY_PROBE");
    expect(out.trim()).toBe(`Re-sealed 0 secret(s) under key ${probe.keyId}.`);
    expect(() =>
      execFileSync(process.execPath, [script], { env: { ...process.env, KILN_URL: url, KILN_ADMIN_KEY: "wrong" }, stdio: "pipe" }),
    ).toThrow(/401/);
  });
});
