import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
const FN = "inbox-refund";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  description: "Refunds after a human says yes",
  input: z.object({ order: z.string(), nap: z.boolean().default(false) }),
  async run({ order, nap }, ctx) {
    if (nap) await ctx.sleep("nap", "1 hour");
    const decision = await ctx.waitForEvent("manager approval", { type: "refund-approval", timeout: "1 hour" });
    return { order, approved: decision.payload.approved };
  },
});
`;

let browser: Browser;
let page: Page;
const jobs: Record<string, string> = {};

async function api(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method: body === undefined ? "GET" : "POST", headers: auth, body: JSON.stringify(body) });
  return res.json();
}

beforeAll(async () => {
  await api("/v1/functions", { name: FN, code: CODE });
  for (const order of ["A-1", "B-2"]) jobs[order] = (await api("/v1/jobs", { function: FN, input: { order } })).id;
  jobs.napping = (await api("/v1/jobs", { function: FN, input: { order: "C-3", nap: true } })).id;
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  for (const id of Object.values(jobs)) await fetch(`${url}/v1/jobs/${id}/cancel`, { method: "POST", headers: auth });
  await browser?.close();
});

const mine = () => page.locator(".inbox-item").filter({ hasText: FN });

describe("approval inbox", () => {
  it("lists the jobs waiting for an event, with the event, since when and the input; not a sleeping one", async () => {
    await page.goto(`${url}/inbox`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Approvals", level: 1 }).waitFor();
    // Jobs start through a queue and reach their wait a moment later; the page refreshes itself.
    await expect.poll(() => mine().count(), { timeout: 20_000 }).toBe(2);
    const first = mine().filter({ hasText: jobs["A-1"]! });
    const text = (await first.textContent()) ?? "";
    expect(text).toContain("waits for refund-approval");
    expect(text).toContain("manager approval");
    expect(text).toMatch(/waiting since/);
    await first.getByText("Input").click();
    expect(await first.locator("pre").textContent()).toContain('"A-1"');
    expect(await page.locator(".inbox-item").filter({ hasText: jobs.napping! }).count()).toBe(0);
    expect(await page.title()).toBe("Approvals · Kiln");
    await screenshot(page, "inbox");
    await expectAccessible(page, "inbox");
  });

  it("approves one and rejects the other: each job ends with that decision", async () => {
    await mine().filter({ hasText: jobs["A-1"]! }).getByRole("button", { name: "Approve" }).click();
    await page.getByText(`Sent an approval to ${jobs["A-1"]}`).waitFor();
    await mine().filter({ hasText: jobs["B-2"]! }).getByRole("button", { name: "Reject" }).click();
    await page.getByText(`Sent a rejection to ${jobs["B-2"]}`).waitFor();
    expect(await mine().count()).toBe(0);
    const ended = async (id: string) => {
      const job = await api(`/v1/jobs/${id}`);
      return job.status === "succeeded" ? job.output : null;
    };
    await expect.poll(() => ended(jobs["A-1"]!), { timeout: 15_000 }).toEqual({ order: "A-1", approved: true });
    await expect.poll(() => ended(jobs["B-2"]!), { timeout: 15_000 }).toEqual({ order: "B-2", approved: false });
  });

  it("works at phone width and in dark mode", async () => {
    jobs["D-4"] = (await api("/v1/jobs", { function: FN, input: { order: "D-4" } })).id;
    await page.setViewportSize({ width: 390, height: 844 });
    // On a phone the theme toggle sits in the collapsed menu.
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByLabel("Theme").selectOption("dark");
    await page.getByRole("button", { name: "Menu" }).click();
    await expect.poll(() => mine().count(), { timeout: 20_000 }).toBe(1);
    const approve = mine().getByRole("button", { name: "Approve" });
    const box = await approve.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await screenshot(page, "inbox-phone-dark");
    await expectAccessible(page, "inbox, phone, dark");
  });
});
