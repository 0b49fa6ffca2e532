// The support-agent example (examples/support-agent/) end to end on the real local server, against
// local stand-ins for the model, the CRM and Slack: deployed by the same code as
// `npm run example:support-agent`; a high-urgency ticket waits for approval, the approval completes
// it, Slack gets one message, and the tree of runs is in the API and on the dashboard's run page.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
// @ts-expect-error: plain .mjs scripts.
import { deploySupportAgent, standinKeys } from "../../scripts/example-support-agent.mjs";
// @ts-expect-error: plain .mjs scripts.
import { startStandins } from "../../scripts/support-agent-standins.mjs";
import { launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

let standins: { url: string; messages: { text: string }[]; close(): Promise<void> };
let browser: Browser | undefined;

async function get(path: string): Promise<any> {
  const res = await fetch(`${url}${path}`, { headers: auth });
  expect(res.status, path).toBe(200);
  return res.json();
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`condition never held; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

beforeAll(async () => {
  const keys = standinKeys();
  standins = await startStandins(keys);
  await deploySupportAgent({ url, adminKey }, standins, keys);
});

afterAll(async () => {
  await browser?.close();
  await standins?.close();
});

describe("support agent example", () => {
  let jobId = "";

  it("waits for approval on a high-urgency ticket, then notifies Slack once and stores the result", async () => {
    const started = await fetch(`${url}/v1/jobs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        function: "support-agent-message",
        input: { ticketId: "T-100", email: "ada@example.com", text: "Our API is down, urgent!" },
      }),
    });
    expect(started.status).toBe(202);
    jobId = (await started.json()).id;
    const waiting = await until(
      () => get(`/v1/jobs/${jobId}`),
      (j) => j.status === "waiting" && j.waitingFor === "approval",
    );
    expect(waiting.steps.map((s: any) => s.name)).toContain("invoke draft-response");
    expect(standins.messages).toHaveLength(0);

    const event = await fetch(`${url}/v1/jobs/${jobId}/events`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ type: "approval", payload: { approved: true, by: "dana" } }),
    });
    expect(event.status).toBe(202);
    const done = await until(
      () => get(`/v1/jobs/${jobId}`),
      (j) => ["succeeded", "failed", "cancelled", "timed_out"].includes(j.status),
    );
    expect(done).toMatchObject({
      status: "succeeded",
      output: {
        ticketId: "T-100",
        status: "approved",
        urgency: "high",
        topic: "api",
        customer: { found: true, name: "Ada Lovelace", plan: "enterprise" },
        approvedBy: "dana",
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(standins.messages).toHaveLength(1);
    expect(standins.messages[0]?.text).toContain("ticket T-100 (api) from Ada Lovelace (enterprise), approved by dana");
  });

  it("shows the whole tree of runs, with every step's timing, in the API", async () => {
    const root = await get(`/v1/runs/${jobId}`);
    expect(root.steps.map((s: any) => s.name)).toEqual([
      "validate",
      "invoke classify-ticket",
      "invoke enrich-customer",
      "invoke draft-response",
      "human approval",
      "invoke notify-team",
      "store result",
    ]);
    expect(root.steps.every((s: any) => s.status === "succeeded" && s.endedAt >= s.startedAt)).toBe(true);
    expect(root.children.map((c: any) => c.function).sort()).toEqual([
      "classify-ticket",
      "draft-response",
      "enrich-customer",
      "notify-team",
    ]);
    for (const child of root.children) {
      expect(child).toMatchObject({ trigger: "invoke", status: "succeeded" });
      const run = await get(`/v1/runs/${child.id}`);
      expect(run).toMatchObject({ parentRunId: jobId, rootRunId: jobId });
      expect(run.steps.length).toBeGreaterThan(0);
      expect(run.steps.every((s: any) => s.status === "succeeded" && s.endedAt >= s.startedAt)).toBe(true);
      // Each unit's outbound call went through Kiln's egress, recorded as a span; no key in the trace.
      expect(run.spans).toEqual([expect.objectContaining({ status: 200, host: new URL(standins.url).host })]);
      expect(JSON.stringify(run)).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);
    }
  });

  it("shows the tree on the job's page: children as rows that open their own trace", async () => {
    browser = await launchBrowser();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${url}/runs/${jobId}`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    // A job's run page is its job page: the live view and the trace in one.
    await page.getByRole("heading", { name: "Job of support-agent-message" }).waitFor();
    const root = await get(`/v1/runs/${jobId}`);
    const classify = root.children.find((c: any) => c.function === "classify-ticket");
    const row = page.getByTestId(`child-row-${classify.id}`);
    await row.getByRole("button").click();
    const trace = page.getByTestId(`child-trace-${classify.id}`);
    await trace.getByText("call model").first().waitFor();
    await screenshot(page, "support-agent-run-tree");
    await trace.getByRole("link", { name: "Open the run page of classify-ticket" }).click();
    await page.getByRole("heading", { name: "Job of classify-ticket" }).waitFor();
    expect(await page.getByRole("link", { name: jobId }).count()).toBeGreaterThan(0);
  });
});
