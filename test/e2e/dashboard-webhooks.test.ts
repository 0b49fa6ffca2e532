// Webhooks in the dashboard, in a real browser against the real local server: create an endpoint
// (its secret shown once, then never in the page again), open its page with the copyable URL,
// send a signed test event and watch the delivery become processed, replay it, disable it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

const FN = "hook-echo";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ provider: z.string(), endpoint: z.string(), event: z.any() }),
  exposures: { tool: false, job: true },
  async run(input, ctx) { return ctx.step("echo", () => ({ type: input.event.type })); },
});
`;

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let secret = "";

beforeAll(async () => {
  const deployed = await fetch(`${url}/v1/functions`, { method: "POST", headers: auth, body: JSON.stringify({ name: FN, code: CODE }) });
  expect(deployed.status).toBe(201);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
});

const deliveriesTable = () => page.getByRole("table", { name: "Deliveries" });

describe("dashboard webhooks", () => {
  it("creates an endpoint and shows its secret once", async () => {
    await page.goto(`${url}/webhooks`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByLabel("Name").fill("GitHub issues");
    await page.getByLabel("Provider").selectOption("github");
    await page.getByLabel("Target function (deployed as a job)").fill(FN);
    await page.getByRole("button", { name: "Create endpoint" }).click();
    secret = (await page.getByTestId("one-time-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await screenshot(page, "webhooks-created");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("link", { name: "GitHub issues" }).click();
    await page.getByRole("heading", { name: "GitHub issues", level: 1 }).waitFor();
    expect(await page.getByTestId("webhook-url").textContent()).toMatch(new RegExp(`^${url}/hooks/whk_`));
    expect(await page.content()).not.toContain(secret);
  });

  it("sends a test event; the delivery is processed; replay starts a new run", async () => {
    await page.getByRole("button", { name: "Send test event" }).click();
    await page.getByText("Test event delivered and accepted.").waitFor();
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return deliveriesTable().textContent();
        },
        { timeout: 15_000 },
      )
      .toContain("processed");
    expect(await deliveriesTable().textContent()).toContain("ping");
    await screenshot(page, "webhook-deliveries");
    await deliveriesTable()
      .getByRole("button", { name: /^Replay / })
      .click();
    await page.getByText(/Replay started: run run_/).waitFor();
  });

  it("filters deliveries by status and disables the endpoint", async () => {
    await page.getByLabel("Status").selectOption("rejected");
    await page.getByText("No deliveries with status rejected.").waitFor();
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByText("Endpoint disabled: deliveries now get 410.").waitFor();
    // The notice comes from the PATCH answer; the endpoint's buttons follow when it is reloaded.
    await expect.poll(() => page.getByRole("button", { name: "Send test event" }).isDisabled()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
