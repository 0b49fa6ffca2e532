import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

const TOOL = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ text: z.string(), level: z.enum(["info", "warn"]).default("info") }),
  run: ({ text, level }, ctx) => { ctx.log[level]("said " + text, { text }); return text; },
});
`;
const WAITER = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({}),
  async run(_, ctx) { await ctx.waitForEvent("never", { type: "never", timeout: "1 hour" }); return 1; },
});
`;

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let waitingJob = "";

async function api(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method: body === undefined ? "GET" : "POST", headers: auth, body: JSON.stringify(body) });
  return res.json();
}

async function say(text: string, level = "info"): Promise<void> {
  await fetch(`${url}/v1/tools/logs-e2e-say`, { method: "POST", headers: auth, body: JSON.stringify({ text, level }) });
}

beforeAll(async () => {
  await api("/v1/functions", { name: "logs-e2e-say", code: TOOL });
  await api("/v1/functions", { name: "logs-e2e-wait", code: WAITER });
  await say("first alpha");
  await say("second beta", "warn");
  waitingJob = (await api("/v1/jobs", { function: "logs-e2e-wait", input: {} })).id;
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  if (waitingJob) await fetch(`${url}/v1/jobs/${waitingJob}/cancel`, { method: "POST", headers: auth });
  await browser?.close();
});

const rows = () => page.getByRole("table", { name: "Log lines" }).locator("tbody tr");

describe("logs explorer", () => {
  it("filters lines by function, level and text; each links to its run", async () => {
    await page.goto(`${url}/logs`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Logs", level: 1 }).waitFor();
    await page.getByLabel("Function").fill("logs-e2e-*");
    await page.getByLabel("Level").selectOption("warn");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining("said second beta")]);
    expect(await rows().first().textContent()).toContain('{"text":"second beta"}');
    await page.getByLabel("Level").selectOption("");
    await page.getByLabel("Text").fill("ALPHA");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining("said first alpha")]);
    expect(new URL(page.url()).searchParams.get("q")).toBe("ALPHA");
    await rows().first().getByRole("link").click();
    await page.waitForURL(/\/runs\/run_/);
    await page.getByRole("heading", { name: /Run of logs-e2e-say/ }).waitFor();
    expect(await page.title()).toMatch(/Runs · Kiln$/);
  });

  it("shows a new line live, and fits a phone without serious accessibility issues", async () => {
    await page.goto(`${url}/logs?function=logs-e2e-say`);
    await rows().first().waitFor();
    await page.getByLabel("Live").check();
    await page.getByText("Live: new lines appear at the top").waitFor();
    await say("third live");
    await expect.poll(() => rows().first().textContent(), { timeout: 15_000 }).toContain("said third live");
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "logs-phone");
    await expectAccessible(page, "logs, phone");
    await page.getByLabel("Live").uncheck();
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});

describe("runs list bulk actions", () => {
  it("replays the ended runs and cancels the live job that are selected, with each run's result", async () => {
    await page.goto(`${url}/runs?function=logs-e2e-*`);
    const table = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => table.locator("tbody tr").count(), { timeout: 15_000 }).toBe(4);
    await table.getByLabel("Select all listed runs").check();
    const bar = page.getByRole("region", { name: "Bulk actions" });
    await bar.getByText("4 runs selected").waitFor();
    await bar.getByRole("button", { name: "Replay 3" }).click();
    await bar.getByRole("button", { name: "Replay", exact: true }).click();
    const results = bar.getByRole("list", { name: "Results" }).locator("li");
    await expect.poll(() => results.count()).toBe(3);
    expect(await results.allTextContents()).toEqual(Array(3).fill(expect.stringMatching(/^run_\w+: replayed as run_/)));
    await bar.getByRole("button", { name: "Cancel 1" }).click();
    await bar.getByRole("button", { name: "Cancel them" }).click();
    await expect.poll(() => results.allTextContents()).toEqual([`${waitingJob}: cancelled`]);
    await screenshot(page, "runs-bulk");
    await expectAccessible(page, "runs, bulk");
  });

  it("opens Try it pre-filled with a run's input to replay it with edits", async () => {
    const { items } = await api("/v1/runs?function=logs-e2e-say&q=second");
    await page.goto(`${url}/runs/${items.at(-1).id}`);
    await page.getByRole("link", { name: "Replay with edits" }).click();
    await page.waitForURL(/\/functions\/logs-e2e-say\?replay=run_/);
    const input = page.getByLabel("Input (JSON)");
    await expect.poll(() => input.inputValue()).toContain('"second beta"');
    await input.fill('{"text": "edited"}');
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.getByRole("region", { name: "Result" }).getByText('"edited"').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
