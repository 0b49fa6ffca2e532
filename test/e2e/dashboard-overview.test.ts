import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
const FN = "overview-forecast";

const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  description: "A weather forecast",
  input: z.object({
    city: z.string().min(2).describe("City name"),
    days: z.number().int().max(7).optional(),
  }),
  output: z.object({ city: z.string(), sunny: z.boolean() }),
  run: ({ city }) => {
    if (city === "Nowhere") throw new Error("no such city");
    return { city, sunny: true };
  },
});
`;

let browser: Browser;
let page: Page;

async function api(path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, { method: body === undefined ? "GET" : "POST", headers: auth, body: JSON.stringify(body) });
  return res.json();
}

/** The figure a stat tile shows and the API's, read together until they agree (other suites' runs may still end). */
async function expectTileMatches(tile: string, fromApi: () => Promise<string>) {
  await expect
    .poll(async () => {
      const [shown, truth] = [await page.getByTestId(`stat-${tile}`).first().textContent(), await fromApi()];
      return shown === truth || `${shown} ≠ ${truth}`;
    })
    .toBe(true);
}

beforeAll(async () => {
  await api("/v1/functions", { name: FN, code: CODE });
  for (const city of ["Lyon", "Oslo", "Lima", "Nowhere"]) await api(`/v1/tools/${FN}`, { city });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
});

describe("overview", () => {
  it("is the landing page: charts drawn in dark mode, numbers matching the API", async () => {
    await page.goto(`${url}/`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.getByTestId("chart-runs").locator("canvas").waitFor();
    await page.getByTestId("chart-errors").locator("canvas").waitFor();
    await expectTileMatches("runs", async () => String((await api("/v1/metrics?window=24h")).totals.runs));
    // This suite's function in the per-function table, with its own counts.
    const row = page.getByTestId("durations-table").getByRole("row").filter({ hasText: FN });
    await expect.poll(async () => (await row.textContent()) ?? "").toContain("25%");
    await page.getByRole("button", { name: "1 h" }).click();
    await expect.poll(() => page.getByRole("button", { name: "1 h" }).getAttribute("aria-pressed")).toBe("true");
    await expectTileMatches("runs", async () => String((await api("/v1/metrics?window=1h")).totals.runs));
    // The chart panels follow the dark theme (--surface), and so do the chart's axis labels (--muted).
    const panel = await page.getByTestId("chart-runs").evaluate((el) => getComputedStyle(el.closest(".panel")!).backgroundColor);
    expect(panel).toBe("rgb(33, 31, 28)");
    await screenshot(page, "overview-dark");
    await expectAccessible(page, "overview, dark");
  });

  it("fits a phone in dark mode, charts included", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId("chart-runs").locator("canvas").waitFor();
    const box = await page.getByTestId("chart-runs").locator("canvas").boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "overview-phone-dark");
    await expectAccessible(page, "overview, phone, dark");
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});

describe("function page", () => {
  it("answers how to call it: schema rows, a copied snippet that works, the catalog's tool definition, its metrics", async () => {
    await page.goto(`${url}/functions/${FN}`);
    await page.getByRole("heading", { name: "How to call it" }).waitFor();
    const rows = page.getByTestId("schema-input").locator("tbody tr");
    expect(await rows.locator("td:first-child").allTextContents()).toEqual(["city", "days"]);
    expect(await rows.first().textContent()).toMatch(/string.*yes.*City name.*at least 2 characters/);
    expect(await rows.nth(1).textContent()).toMatch(/integer.*no.*≤ 7/);
    expect(await page.getByTestId("schema-output").locator("tbody td:first-child").allTextContents()).toEqual(["city", "sunny"]);

    await expectTileMatches("runs", async () => String((await api(`/v1/metrics?window=24h&function=${FN}`)).totals.runs));
    await page.getByTestId("snippet-curl-tool").getByRole("button", { name: /^Copy/ }).click();
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain(`${url}/v1/tools/${FN}`);
    expect(curl).toContain("$KILN_API_KEY");
    // Run what was copied (its URL and body): the example input is valid.
    const body = /-d '(.*)'$/s.exec(curl)![1]!;
    const res = await fetch(`${url}/v1/tools/${FN}`, { method: "POST", headers: auth, body });
    expect(res.status).toBe(200);
    expect(await page.getByTestId("snippet-curl-job").textContent()).toContain(`"function":"${FN}"`);

    await page.getByRole("button", { name: "Anthropic" }).click();
    const catalog = await api("/v1/tools?format=anthropic");
    const definition = catalog.tools.find((t: any) => t.name === FN);
    await expect
      .poll(async () => JSON.parse((await page.getByTestId("snippet-tool-definition").locator("pre").textContent()) ?? "null"))
      .toEqual(definition);

    await page.getByText("Source of v1").click();
    await page.getByTestId("source-view").locator(".cm-content").waitFor();
    expect(await page.getByTestId("source-view").textContent()).toContain("A weather forecast");
    await page.getByRole("table", { name: "Runs" }).waitFor();
    await screenshot(page, "function-how-to-call-dark");
    await expectAccessible(page, "function page, dark");
  });
});
