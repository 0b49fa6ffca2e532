// Hostile alert rules: targets on private networks, loopback or metadata addresses (every
// notation), huge and malformed URLs, other tenants' rules seen through a function-limited key,
// the signing secret and the Slack URL's secret path shown once and never again, and the caps
// that keep one tenant's rules from multiplying everyone's alert work.
import { describe, expect, it } from "vitest";
import { createRule, RECEIVER } from "../helpers/alerts";
import { api, deploy, expectProblem, json } from "../helpers/api";

const TOOL = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: () => { throw new Error("no"); } });`;

async function createKey(body: Record<string, unknown>): Promise<string> {
  const res = await api("/v1/keys", { body });
  expect(res.status).toBe(201);
  return (await json(res)).key;
}

const rule = (fn: string | null, extra: Record<string, unknown> = {}) => ({
  name: "r",
  events: ["run.failed"],
  function: fn,
  url: `${RECEIVER}/x`,
  ...extra,
});

describe("alert targets", () => {
  it("refuses loopback, private, link-local and metadata targets in every notation, and non-HTTP schemes", async () => {
    await deploy("al-sec", TOOL);
    const urls = [
      "http://127.0.0.1/",
      "http://127.1:8080/",
      "http://2130706433/",
      "http://0x7f.0.0.1/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://10.0.0.5/hook",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest/meta-data",
      "http://localhost:8787/v1/keys",
      "http://kiln.localhost/",
      "http://user:pass@alerts.example.com/",
      "ftp://alerts.example.com/",
      "javascript:alert(1)",
      "file:///etc/passwd",
    ];
    for (const url of urls) {
      const res = await api("/v1/alerts", { body: rule("al-sec", { url }) });
      const problem = await expectProblem(res, 400, "validation_failed");
      expect(problem.issues?.[0]?.path, url).toBe("/url");
    }
    expect((await json(await api("/v1/alerts"))).items).toEqual([]);
  });

  it("refuses huge and malformed URLs and bodies with a 4xx, never a 500", async () => {
    await deploy("al-sec2", TOOL);
    const bad: Record<string, unknown>[] = [
      rule("al-sec2", { url: `https://alerts.example.com/${"a".repeat(3000)}` }),
      rule("al-sec2", { url: "not a url" }),
      rule("al-sec2", { url: "" }),
      rule("al-sec2", { url: 42 }),
      rule("al-sec2", { events: [] }),
      rule("al-sec2", { events: ["run.succeeded"] }),
      rule("al-sec2", { format: "xml" }),
      rule("al-sec2", { name: "x".repeat(101) }),
      rule("al-sec2", { extra: true }),
      rule("Not A Name"),
    ];
    for (const body of bad) await expectProblem(await api("/v1/alerts", { body }), 400, "validation_failed");
    await expectProblem(await api("/v1/alerts", { rawBody: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    await expectProblem(await api("/v1/alerts", { body: rule("al-no-such-fn") }), 404, "not_found");
    const ok = await createRule(rule("al-sec2"));
    await expectProblem(await api(`/v1/alerts/${ok.id}`, { method: "PATCH", body: { url: "http://10.1.2.3/" } }), 400, "validation_failed");
    await expectProblem(await api(`/v1/alerts/${ok.id}`, { method: "PATCH", body: { format: "slack" } }), 400, "validation_failed");
    await expectProblem(await api(`/v1/alerts/${ok.id}/deliveries?limit=100000`), 400, "validation_failed");
    await expectProblem(await api("/v1/alerts/alrt_nope"), 404, "not_found");
  });
});

describe("tenants", () => {
  it("shows a function-limited key only its functions' rules: others' rules and rules for every function do not exist for it", async () => {
    await deploy("al-mine", TOOL);
    await deploy("al-theirs", TOOL);
    const theirs = await createRule(rule("al-theirs", { url: "https://hooks.slack.com/services/T0/B0/theirsecretpath", format: "slack" }));
    const everyone = await createRule(rule(null));
    const key = await createKey({ name: "al-limited", scopes: ["alerts:read", "alerts:write"], functions: ["al-mine"] });
    const mine = await createRule(rule("al-mine"), key);
    const list = await json(await api("/v1/alerts", { key }));
    expect(list.items.map((r: any) => r.id)).toEqual([mine.id]);
    for (const other of [theirs, everyone]) {
      await expectProblem(await api(`/v1/alerts/${other.id}`, { key }), 404, "not_found");
      await expectProblem(await api(`/v1/alerts/${other.id}/deliveries`, { key }), 404, "not_found");
      await expectProblem(await api(`/v1/alerts/${other.id}`, { key, method: "PATCH", body: { enabled: false } }), 404, "not_found");
      await expectProblem(await api(`/v1/alerts/${other.id}`, { key, method: "DELETE" }), 404, "not_found");
    }
    await expectProblem(await api("/v1/alerts", { key, body: rule("al-theirs") }), 403, "forbidden");
    await expectProblem(await api("/v1/alerts", { key, body: rule(null) }), 403, "forbidden");
    await expectProblem(await api(`/v1/alerts/${mine.id}`, { key, method: "PATCH", body: { function: "al-theirs" } }), 403, "forbidden");
    await expectProblem(await api(`/v1/alerts/${mine.id}`, { key, method: "PATCH", body: { function: null } }), 403, "forbidden");
    // Still there, unchanged.
    expect((await json(await api(`/v1/alerts/${theirs.id}`))).enabled).toBe(true);
  });

  it("needs alerts:read to read and alerts:write to change", async () => {
    await deploy("al-scope", TOOL);
    const reader = await createKey({ name: "al-reader", scopes: ["alerts:read"] });
    const nobody = await createKey({ name: "al-nobody", scopes: ["runs:read"] });
    const r = await createRule(rule("al-scope"));
    await expectProblem(await api("/v1/alerts", { key: nobody }), 403, "forbidden");
    await expectProblem(await api(`/v1/alerts/${r.id}`, { key: nobody }), 403, "forbidden");
    expect((await api(`/v1/alerts/${r.id}`, { key: reader })).status).toBe(200);
    await expectProblem(await api("/v1/alerts", { key: reader, body: rule("al-scope") }), 403, "forbidden");
    await expectProblem(await api(`/v1/alerts/${r.id}`, { key: reader, method: "DELETE" }), 403, "forbidden");
    await expectProblem(await api("/v1/alerts", { key: null }), 401, "unauthorized");
  });

  it("caps the rules per function, so one tenant cannot multiply the alert work of every failure", async () => {
    await deploy("al-cap", TOOL);
    for (let i = 0; i < 20; i++) await createRule(rule("al-cap", { name: `r${i}` }));
    await expectProblem(await api("/v1/alerts", { body: rule("al-cap") }), 409, "conflict");
  });
});

describe("secrets of a rule", () => {
  it("returns the signing secret once, at creation, and never the Slack URL's secret path", async () => {
    await deploy("al-secret", TOOL);
    const standard = await createRule(rule("al-secret", { format: "standard" }));
    expect(standard.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const slackUrl = "https://hooks.slack.com/services/T000/B000/verysecretpathtoken";
    const slack = await createRule(rule("al-secret", { url: slackUrl, format: "slack" }));
    expect(slack.url).toBe("https://hooks.slack.com/services/…");
    const answers = [
      await api("/v1/alerts"),
      await api(`/v1/alerts/${standard.id}`),
      await api(`/v1/alerts/${standard.id}`, { method: "PATCH", body: { name: "renamed", enabled: false } }),
      await api(`/v1/alerts/${slack.id}`),
      await api(`/v1/alerts/${slack.id}/deliveries`),
      await api("/v1/audit?limit=200"),
    ];
    const secretPart = standard.secret.slice("whsec_".length);
    for (const res of answers) {
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(text).not.toContain(secretPart);
      expect(text).not.toContain("verysecretpathtoken");
      expect(text).not.toMatch(/"secret"/);
    }
  });
});
