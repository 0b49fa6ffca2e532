// The Alerts page in a real browser against the real local server: create a Standard Webhooks rule
// (its signing secret shown once, then never again), see a failed tool call become a delivery with
// its run and the receiver's failure, disable the rule and delete it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

const FN = "alerts-e2e-tool";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), run: async (_i, ctx) => ctx.step("call model", () => { throw new Error("model down"); }) });
`;

let browser: Browser;
let page: Page;
let secret = "";

beforeAll(async () => {
  const deployed = await fetch(`${url}/v1/functions`, { method: "POST", headers: auth, body: JSON.stringify({ name: FN, code: CODE }) });
  expect(deployed.status).toBe(201);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
});

const rules = () => page.getByRole("table", { name: "Alert rules" });
const row = () => rules().getByRole("row", { name: /e2e pager/ });

describe("dashboard alerts", () => {
  it("creates a rule and shows its signing secret once", async () => {
    await page.goto(`${url}/alerts`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
    await page.getByLabel("Name").fill("e2e pager");
    await page.getByLabel("Function (empty: every function)").fill(FN);
    // `.invalid` never resolves: every attempt fails without leaving the machine.
    await page.getByLabel("Target URL").fill("https://alerts.invalid/kiln/secret-path");
    await page.getByLabel("Format").selectOption("standard");
    await page.getByRole("button", { name: "Create rule" }).click();
    secret = (await page.getByTestId("one-time-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, "alerts-secret");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await row().textContent()).toContain("https://alerts.invalid/kiln/…");
    await page.reload();
    await row().waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.content()).not.toContain("secret-path");
  });

  it("lists a failed run's delivery with its run and the receiver's failure", async () => {
    const res = await fetch(`${url}/v1/tools/${FN}`, { method: "POST", headers: auth, body: "{}" });
    expect(res.status).toBe(502);
    const runId = res.headers.get("kiln-run-id") ?? "";
    await row().getByRole("button", { name: "Deliveries" }).click();
    const deliveries = page.getByRole("table", { name: "Alert deliveries" });
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return deliveries.isVisible() && (await deliveries.textContent());
        },
        { timeout: 20_000 },
      )
      .toContain(runId);
    // No DNS answer (an error) or none in time: either way a failed attempt, kept for a retry.
    expect(await deliveries.textContent()).toMatch(/request failed|no answer within/);
    await screenshot(page, "alerts-deliveries");
  });

  it("disables, then deletes the rule after a confirm", async () => {
    await row().getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => row().textContent()).toContain("disabled");
    await row().getByRole("button", { name: "Delete e2e pager" }).click();
    await row().getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => page.getByText("e2e pager").count()).toBe(0);
    const listed = await fetch(`${url}/v1/alerts`, { headers: auth }).then((r) => r.json());
    expect(listed.items.map((r: { name: string }) => r.name)).not.toContain("e2e pager");
  });
});
