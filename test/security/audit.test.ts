// The audit log: every sensitive action leaves exactly one row saying who (key id, kind, name),
// what, on what, when and from which IP; no key or token value ever lands in it; no route edits
// or deletes it; only `audit:read` reads it.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json } from "../helpers/api";

const ORIGIN = "http://kiln.test";
const IP = "203.0.113.7";
const CODE = `
import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: () => ({ ok: true }) });
`;

/** Every body received in this file, scanned for credential values at the end. */
const seen: string[] = [];
const secrets: string[] = [];

async function call(path: string, o: Parameters<typeof api>[1] = {}): Promise<Response> {
  const res = await api(path, { ...o, headers: { "cf-connecting-ip": IP, origin: ORIGIN, ...o.headers } });
  seen.push(await res.clone().text());
  return res;
}

async function created(res: Response): Promise<any> {
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBeLessThan(300);
  return body;
}

async function auditOf(query: string, key?: string): Promise<any> {
  const res = await call(`/v1/audit?${query}`, { key });
  return created(res);
}

describe("audit log", () => {
  let actor: any; // an admin-scoped API key named "ops-auditor" performs every action
  let tokenId: string;

  beforeAll(async () => {
    actor = await created(await call("/v1/keys", { body: { name: "ops-auditor", scopes: ["admin"] } }));
    secrets.push(actor.key);
    const k = actor.key;
    await created(await call("/v1/functions", { body: { name: "aud-fn", code: CODE }, key: k }));
    await created(await call("/v1/functions", { body: { name: "aud-fn", code: `${CODE}\n// v2` }, key: k }));
    await created(await call("/v1/functions/aud-fn/rollback", { body: { version: 1 }, key: k }));
    expect((await call("/v1/functions/aud-fn", { method: "DELETE", key: k })).status).toBe(204);
    const other = await created(await call("/v1/keys", { body: { name: "short-lived", scopes: ["tools:call"] }, key: k }));
    secrets.push(other.key);
    expect((await call(`/v1/keys/${other.id}`, { method: "DELETE", key: k })).status).toBe(204);
    expect((await call(`/v1/keys/${other.id}`, { method: "DELETE", key: k })).status).toBe(204); // idempotent, not audited twice
    const token = await created(await call("/v1/tokens", { body: { scopes: ["tools:call"], ttlSeconds: 60 }, key: k }));
    secrets.push(token.token);
    tokenId = token.id;
    expect((await call(`/v1/tokens/${token.id}`, { method: "DELETE", key: k })).status).toBe(204);
    expect((await call("/v1/tokens?subject=admin", { method: "DELETE", key: k })).status).toBe(200);
    const signIn = await call("/v1/session", { body: { key: k }, key: null });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    secrets.push(cookie.split("=")[1]!);
    const signOut = { method: "DELETE", key: null, headers: { cookie, "content-type": "application/json" } };
    expect((await call("/v1/session", signOut)).status).toBe(204);
  });

  it("records each action exactly once with actor, target, detail and IP, newest first", async () => {
    const page = await auditOf(`actor=${actor.id}&limit=200`);
    const rows = [...page.items].reverse();
    // Newest first by time; two events in the same millisecond have no defined order between them.
    const times = rows.map((r: any) => Date.parse(r.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(rows.map((r: any) => r.action).sort()).toEqual(
      [
        "function.deploy",
        "function.deploy",
        "function.rollback",
        "function.delete",
        "key.create",
        "key.revoke",
        "token.mint",
        "token.revoke",
        "tokens.revoke_all",
        "session.create",
        "session.revoke",
      ].sort(),
    );
    for (const r of rows) {
      expect(r.actor.keyId).toBe(actor.id);
      expect(r.actor.name).toBe("ops-auditor");
      expect(r.ip).toBe(IP);
      expect(Number.isNaN(Date.parse(r.at))).toBe(false);
    }
    const byAction = (a: string) => rows.filter((r: any) => r.action === a);
    expect(
      byAction("function.deploy")
        .map((r: any) => [r.target, r.detail.version])
        .sort(),
    ).toEqual([
      ["aud-fn", 1],
      ["aud-fn", 2],
    ]);
    expect(byAction("function.rollback")[0]).toMatchObject({ target: "aud-fn", detail: { version: 1 } });
    expect(byAction("function.delete")[0].target).toBe("aud-fn");
    expect(byAction("key.create")[0]).toMatchObject({ detail: { name: "short-lived", scopes: ["tools:call"] } });
    expect(byAction("key.revoke")[0].target).toBe(byAction("key.create")[0].target);
    expect(byAction("token.mint")[0]).toMatchObject({ target: tokenId, detail: { scopes: ["tools:call"], ttlSeconds: 60 } });
    expect(byAction("token.revoke")[0].target).toBe(tokenId);
    expect(byAction("tokens.revoke_all")[0]).toMatchObject({ target: "admin", detail: { subject: "admin" } });
    expect(byAction("session.create")[0].actor.kind).toBe("key");
    expect(byAction("session.revoke")[0].actor.kind).toBe("session");
    expect(byAction("session.revoke")[0].target).toBe(byAction("session.create")[0].target);
    expect(byAction("key.create")[0].actor.kind).toBe("key");
  });

  it("records the admin key as actor `admin` without a name", async () => {
    await deploy("aud-admin", CODE);
    const { items } = await auditOf("actor=admin&action=function.deploy");
    expect(items.find((r: any) => r.target === "aud-admin")?.actor).toEqual({ keyId: "admin", kind: "admin" });
  });

  it("filters by action and since, and pages with nextCursor", async () => {
    const deploys = await auditOf(`actor=${actor.id}&action=function.deploy`);
    expect(deploys.items.map((r: any) => r.action)).toEqual(["function.deploy", "function.deploy"]);
    const future = await auditOf(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.items).toEqual([]);
    const all = (await auditOf(`actor=${actor.id}&limit=200`)).items.map((r: any) => r.id);
    const paged: string[] = [];
    let cursor = "";
    for (let i = 0; i < 20; i++) {
      const page = await auditOf(`actor=${actor.id}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.items.map((r: any) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(all);
    await expectProblem(await call("/v1/audit?action=DROP%20TABLE"), 400, "validation_failed");
    await expectProblem(await call("/v1/audit?since=yesterday"), 400, "validation_failed");
  });

  it("is read only with audit:read (or admin)", async () => {
    const reader = await created(await call("/v1/keys", { body: { name: "reader", scopes: ["audit:read"] } }));
    const nosy = await created(await call("/v1/keys", { body: { name: "nosy", scopes: ["functions:read", "keys:manage"] } }));
    secrets.push(reader.key, nosy.key);
    expect((await call("/v1/audit", { key: reader.key })).status).toBe(200);
    await expectProblem(await call("/v1/audit", { key: nosy.key }), 403, "forbidden");
    await expectProblem(await call("/v1/audit", { key: null }), 401, "unauthorized");
  });

  it("has no route that edits or deletes an event, and the rows stay", async () => {
    const before = (await env.DB.prepare("select count(*) as n from audit_events").first<{ n: number }>())!.n;
    const { items } = await auditOf("limit=1");
    for (const method of ["PUT", "PATCH", "DELETE", "POST"]) {
      for (const path of ["/v1/audit", `/v1/audit/${items[0].id}`]) {
        const res = await call(path, { method, body: method === "DELETE" ? undefined : { action: "x" } });
        expect([404, 405], `${method} ${path}`).toContain(res.status);
      }
    }
    const after = (await env.DB.prepare("select count(*) as n from audit_events").first<{ n: number }>())!.n;
    expect(after).toBe(before);
    expect((await auditOf("limit=1")).items[0]).toEqual(items[0]);
  });

  it("never holds a key, token or session value, in its rows or in any response", async () => {
    const rows = await env.DB.prepare("select * from audit_events").all();
    const stored = JSON.stringify(rows.results);
    expect(rows.results.length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of secrets) {
      expect(stored.includes(secret)).toBe(false);
      // The creating responses carry the key once, by design; no audit response ever does.
      const audited = seen.filter((body) => body.includes('"action"'));
      expect(audited.length).toBeGreaterThan(0);
      for (const body of audited) expect(body.includes(secret)).toBe(false);
    }
  });
});
