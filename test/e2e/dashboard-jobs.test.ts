// Jobs in the dashboard, in a real browser against the real local server: start a job from a
// function's page, follow it live to a wait for approval, send the event, see it succeed; a
// rejected one fails into the dead letters and is re-queued; a third is cancelled.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

// Retries off for the whole function, so a rejected payment fails the job at once.
const APPROVAL = `import { defineFunction, z } from "kiln";
export default defineFunction({
  description: "Pays once a manager approves",
  input: z.object({ amount: z.number() }),
  retries: { limit: 0, delayMs: 0, backoff: "constant" },
  async run({ amount }, ctx) {
    await ctx.step("draft", () => amount);
    const decision = await ctx.waitForEvent("manager approval", { type: "approval", timeout: "10 minutes" });
    await ctx.step("pay", () => { if (!decision.payload.ok) throw new Error("rejected"); return amount; }, { retries: 0 });
    return { paid: amount };
  },
});
`;

/** A job whose input, step result and output are over 64 KiB (kept whole in R2, shown as markers). */
const BIG_NOTE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ note: z.string() }),
  async run({ note }, ctx) { return ctx.step("keep", () => ({ note })); },
});
`;

/** Jobs start through a queue (about a second locally): give job states time to arrive. */
const slow = { timeout: 15_000 };

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const streams: string[] = [];
/** Jobs this test left live, ended through the API at the end. */
const leftovers: string[] = [];

async function api(path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, { method: body === undefined ? "GET" : "POST", headers: auth, body: JSON.stringify(body) });
}

beforeAll(async () => {
  const deployed = await api("/v1/functions", { name: "approve-payment", code: APPROVAL });
  expect(deployed.status).toBe(201);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("request", (r) => {
    if (r.url().endsWith("/stream")) streams.push(new URL(r.url()).pathname);
  });
});

afterAll(async () => {
  for (const id of leftovers) await api(`/v1/jobs/${id}/cancel`, {});
  await browser?.close();
});

const jobIdFromUrl = () => /\/jobs\/(run_[^/?#]+)$/.exec(new URL(page.url()).pathname)?.[1] ?? "";
const status = () => page.getByTestId("job-status").textContent();
const doing = () => page.getByTestId("job-doing").textContent();
const steps = async () =>
  page
    .getByRole("table", { name: "Steps" })
    .locator("tbody tr")
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].slice(0, 4).map((td) => td.textContent?.trim())));

/** From the function's page: "Run as job" with this input; resolves on the new job's page. */
async function runAsJob(input: unknown, shot?: string): Promise<string> {
  await page.goto(`${url}/functions/approve-payment`);
  await page.getByLabel("Input (JSON)").fill(JSON.stringify(input));
  if (shot) await screenshot(page, shot);
  await page.getByRole("button", { name: "Run as job" }).click();
  await page.getByRole("heading", { name: "Job of approve-payment" }).waitFor();
  const id = jobIdFromUrl();
  expect(id).toMatch(/^run_/);
  return id;
}

describe("dashboard jobs", () => {
  it("signs in and shows Jobs in the nav, with no dead letters yet", async () => {
    await page.goto(`${url}/jobs/dead-letters`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toContain("Jobs");
    expect(await nav.getByRole("link", { name: "Jobs" }).getAttribute("aria-current")).toBe("page");
    const tabs = page.getByRole("navigation", { name: "Job lists" });
    expect(await tabs.getByRole("link", { name: "Dead letters" }).getAttribute("aria-current")).toBe("page");
    // No other e2e test fails a job, so the list starts empty.
    await page.getByText("No dead letters").waitFor();
    await screenshot(page, "jobs-dead-letters-empty");
  });

  it("runs a job from the function page, follows it live to the approval, and sends the event", async () => {
    const id = await runAsJob({ amount: 12 }, "jobs-function-try");
    // Marks this document: a reload would drop it.
    await page.evaluate(() => Object.assign(window, { kilnNoReload: true }));

    await expect.poll(status, slow).toBe("waiting");
    await expect.poll(doing, slow).toContain("Waiting for the event “approval”");
    await expect.poll(doing, slow).toContain("Live");
    expect(await page.getByTestId("waiting-for").textContent()).toBe("approval");
    expect(await page.getByTestId("current-step").textContent()).toBe("manager approval");
    await expect.poll(steps, slow).toEqual([
      ["draft", "step", "succeeded", "1"],
      ["manager approval", "wait", "waiting", "1"],
    ]);
    expect(streams).toContain(`/v1/jobs/${id}/stream`);
    expect(await page.getByTestId("job-output").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Cancel job" }).isVisible()).toBe(true);
    await screenshot(page, "jobs-waiting");

    const form = page.getByRole("form", { name: "Send an event" });
    expect(await form.getByLabel("Event type").inputValue()).toBe("approval");
    await form.getByLabel("Payload (JSON)").fill('{"ok": true}');
    await form.getByRole("button", { name: "Send event" }).click();
    await expect.poll(() => page.locator(".notice").textContent()).toContain("Sent the “approval” event.");

    await expect.poll(status, slow).toBe("succeeded");
    await expect.poll(() => page.getByTestId("job-output").textContent(), slow).toBeTruthy();
    expect(JSON.parse((await page.getByTestId("job-output").textContent()) ?? "")).toEqual({ paid: 12 });
    expect(await steps()).toEqual([
      ["draft", "step", "succeeded", "1"],
      ["manager approval", "wait", "succeeded", "1"],
      ["pay", "step", "succeeded", "1"],
    ]);
    expect(await page.getByRole("table", { name: "Steps" }).textContent()).toContain('{"ok":true}');
    expect(await page.evaluate(() => (window as { kilnNoReload?: boolean }).kilnNoReload)).toBe(true);
    expect(await page.getByRole("form", { name: "Send an event" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Cancel job" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Replay", exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Replay from failed step" }).count()).toBe(0);
    await screenshot(page, "jobs-succeeded");

    // The trace is on the job page itself; the run page of a job is that same page.
    await expect.poll(async () => (await page.getByRole("list", { name: "Trace" }).textContent()) ?? "", slow).toContain("pay");
    // The time axis zooms in on the middle of the run and back out to all of it.
    const axis = page.getByTestId("wf-window");
    expect(await axis.textContent()).toMatch(/^whole run, /);
    await page.getByRole("button", { name: "Zoom in" }).click();
    expect(await axis.textContent()).toMatch(/^\+.+ – \+.+ of /);
    await page.getByRole("button", { name: "Fit" }).click();
    expect(await axis.textContent()).toMatch(/^whole run, /);
    await page.goto(`${url}/runs/${id}`);
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/jobs/${id}`);
    await expect.poll(status, slow).toBe("succeeded");
    expect(jobIdFromUrl()).toBe(id);
  });

  it("checks the event form, fails a rejected job into the dead letters and re-queues it", async () => {
    const id = await runAsJob({ amount: 7 });
    await expect.poll(doing, slow).toContain("Waiting for the event “approval”");
    const form = page.getByRole("form", { name: "Send an event" });
    await form.getByLabel("Event type").fill("bad type!");
    await form.getByLabel("Payload (JSON)").fill("{ok: false}");
    await form.getByRole("button", { name: "Send event" }).click();
    expect(await form.locator("#event-type-error").textContent()).toContain("letters, digits");
    expect(await form.locator("#event-payload-error").textContent()).toContain("not valid JSON");
    expect(await form.getByLabel("Event type").getAttribute("aria-invalid")).toBe("true");

    // Keyboard only: fix both fields and submit with Enter from the type field.
    await form.getByLabel("Payload (JSON)").fill('{"ok": false}');
    await form.getByLabel("Event type").fill("approval");
    await form.getByLabel("Event type").press("Enter");
    await expect.poll(status, slow).toBe("failed");
    await expect.poll(() => page.locator(".run-error").textContent(), slow).toContain("rejected");
    expect(await page.locator(".run-error").textContent()).toContain("step “pay”");
    expect(await steps()).toEqual([
      ["draft", "step", "succeeded", "1"],
      ["manager approval", "wait", "succeeded", "1"],
      ["pay", "step", "failed", "1"],
    ]);
    expect(await page.getByRole("button", { name: "Replay", exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Replay from failed step" }).isVisible()).toBe(true);
    await screenshot(page, "jobs-failed");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).click();
    const jobs = page.getByRole("table", { name: "Jobs" });
    await expect.poll(() => jobs.textContent()).toContain(id);
    expect(await jobs.getByRole("row", { name: new RegExp(id) }).textContent()).toContain("failed");
    await screenshot(page, "jobs-list");

    await page.getByRole("navigation", { name: "Job lists" }).getByRole("link", { name: "Dead letters" }).click();
    const dead = page.getByRole("table", { name: "Dead letters" });
    const row = dead.getByRole("row", { name: new RegExp(id) });
    await expect.poll(() => row.textContent()).toContain("rejected");
    expect(await row.textContent()).toContain("approve-payment");
    await screenshot(page, "jobs-dead-letters");

    await row.getByRole("button", { name: `Re-queue ${id}` }).click();
    await expect.poll(() => [jobIdFromUrl() !== "", jobIdFromUrl() !== id]).toEqual([true, true]);
    const replay = jobIdFromUrl();
    leftovers.push(replay);
    await page.getByRole("heading", { name: "Job of approve-payment" }).waitFor();
    const facts = page.locator(".facts");
    await expect.poll(() => facts.textContent()).toContain("Replay of");
    expect(await facts.getByRole("link", { name: id }).getAttribute("href")).toBe(`/runs/${id}`);
    expect(await facts.textContent()).toContain("replay");
    await expect.poll(doing, slow).toContain("Waiting for the event “approval”");
    await screenshot(page, "jobs-requeued");

    // Once replayed, the failed job is no longer a dead letter.
    await page.goto(`${url}/jobs/dead-letters`);
    await page.getByText("No dead letters").waitFor();
  });

  it("shows why a job cannot start, then cancels a live job after confirming", async () => {
    await page.goto(`${url}/functions/approve-payment`);
    await page.getByLabel("Input (JSON)").fill('{"amount": "three"}');
    await page.getByRole("button", { name: "Run as job" }).click();
    const refused = page.getByRole("alert");
    await expect.poll(() => refused.textContent()).toContain("Could not start the job");
    expect(await refused.locator(".issues").textContent()).toContain("/input/amount");
    expect(new URL(page.url()).pathname).toBe("/functions/approve-payment");

    await runAsJob({ amount: 3 });
    await expect.poll(status, slow).toBe("waiting");
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByRole("button", { name: "Keep running" }).click();
    expect(await status()).toBe("waiting");
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByRole("button", { name: "Confirm cancel" }).click();
    await expect.poll(status, slow).toBe("cancelled");
    expect(await page.locator(".run-error").textContent()).toContain("cancelled by");
    // A cancelled job keeps the steps it recorded; the wait it was stopped in reads cancelled.
    await expect.poll(steps, slow).toEqual([
      ["draft", "step", "succeeded", "1"],
      ["manager approval", "wait", "cancelled", "1"],
    ]);
    expect(await page.getByRole("form", { name: "Send an event" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Replay from failed step" }).isVisible()).toBe(true);
    await screenshot(page, "jobs-cancelled");
  });

  it("loads a large job's whole input and step result on demand", async () => {
    expect((await api("/v1/functions", { name: "big-note", code: BIG_NOTE })).status).toBe(201);
    const note = `${"a line of a long note\n".repeat(5_000)}END-OF-NOTE`;
    const started = await api("/v1/jobs", { function: "big-note", input: { note } });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await page.goto(`${url}/jobs/${id}`);
    await expect.poll(status, slow).toBe("succeeded");
    const input = page.getByTestId("job-input");
    expect(await input.textContent()).not.toContain("END-OF-NOTE");
    await input.getByRole("button", { name: /^Load the whole payload \(\d+ KB\)$/ }).click();
    await expect.poll(() => input.textContent()).toContain("END-OF-NOTE");
    const stepsTable = page.getByRole("table", { name: "Steps" });
    await stepsTable.getByRole("button", { name: /^Load the whole payload/ }).click();
    await expect.poll(() => stepsTable.textContent()).toContain("END-OF-NOTE");
    await screenshot(page, "jobs-large-payload");
  });

  it("lists recent jobs for a key holding only jobs:read", async () => {
    const res = await api("/v1/keys", { name: "jobs-reader", scopes: ["jobs:read"] });
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const reader = await context.newPage();
    reader.on("pageerror", (e) => pageErrors.push(e.message));
    await reader.goto(`${url}/jobs`);
    await reader.getByLabel("API key").fill(key);
    await reader.getByRole("button", { name: "Sign in" }).click();
    const table = reader.getByRole("table", { name: "Jobs" });
    await expect.poll(() => table.textContent(), slow).toContain("approve-payment");
    expect(await table.textContent()).toContain("cancelled");
    // Without runs:read there is no runs page to filter them on.
    expect(await reader.getByRole("link", { name: "Filter them on the runs page" }).count()).toBe(0);
    await context.close();
  });

  it("works at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/jobs`);
    const table = page.getByRole("table", { name: "Jobs" });
    await expect.poll(() => table.textContent()).toContain("cancelled");
    expect(await page.getByRole("navigation", { name: "Job lists" }).isVisible()).toBe(true);
    await page.getByRole("button", { name: "Menu" }).click();
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Jobs" }).isVisible()).toBe(true);
    await screenshot(page, "jobs-phone-list");
    await page.getByRole("button", { name: "Menu" }).click();
    await table.getByRole("row").filter({ hasText: "cancelled" }).getByRole("link").first().click();
    await expect.poll(status).toBe("cancelled");
    // Nothing wider than the screen but the steps table, which scrolls inside its own box.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "jobs-phone-job");
    expect(pageErrors).toEqual([]);
  });
});
