// Secrets and a function's configuration in the dashboard, in a real browser against the real
// local server: set (refused for a reserved name first), rotate and delete secrets without the
// value ever reaching the page's HTML, storage or any API answer; grant one on the function's page
// and see it granted; edit environment variables (a refused name first) and see them after a
// reload; a read-only key sees the same without the controls.
import { randomUUID } from "node:crypto";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { emulateScheme, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

const FN = "crm-lookup";
const CODE = `import { defineFunction, z } from "kiln";
export default defineFunction({
  description: "Looks a customer up in the CRM",
  input: z.object({ email: z.string() }),
  secrets: ["CRM_TOKEN", "CRM_WEBHOOK_SECRET"],
  async run({ email }, ctx) {
    return { email, base: ctx.env.CRM_BASE_URL ?? null };
  },
});
`;

// Recognizable random values: none may ever come back to the browser.
const VALUE = `crm-${randomUUID()}`;
const ROTATED = `crm-rotated-${randomUUID()}`;
const TEMP = `temp-${randomUUID()}`;
const VALUES = [VALUE, ROTATED, TEMP];

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Every API answer the page received, read in full. */
const bodies: Promise<string>[] = [];

const collect = (r: Response) => {
  if (new URL(r.url()).pathname.startsWith("/v1/")) bodies.push(r.text().catch(() => ""));
};

beforeAll(async () => {
  const deployed = await fetch(`${url}/v1/functions`, { method: "POST", headers: auth, body: JSON.stringify({ name: FN, code: CODE }) });
  expect(deployed.status).toBe(201);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("response", collect);
});

afterAll(async () => {
  await browser?.close();
});

/** The page's HTML (attributes included), its storage and cookies: none may hold a value. */
async function expectNoValueInPage() {
  const html = await page.content();
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  for (const v of VALUES) {
    expect(html).not.toContain(v);
    expect(stored).not.toContain(v);
  }
}

const form = () => page.getByRole("region", { name: /Set a secret|Rotate/ });
const secretsTable = () => page.getByRole("table", { name: "Secrets" });

async function setSecret(name: string, value: string) {
  await form().getByLabel("Name").fill(name);
  await form().getByLabel("Value").fill(value);
  await form().getByRole("button", { name: "Save secret" }).click();
}

describe("dashboard secrets", () => {
  it("signs in and shows Secrets in the nav", async () => {
    await page.goto(`${url}/secrets`);
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Secrets", level: 1 }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Secrets" }).getAttribute("aria-current")).toBe("page");
  });

  it("refuses a reserved name at its field, then sets a secret and clears the value", async () => {
    await setSecret("KILN_TOKEN", VALUE);
    const nameError = page.locator("#secret-name-error");
    await expect.poll(() => nameError.textContent()).toContain("reserved");
    expect(await form().getByLabel("Name").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "secrets-field-error");

    await form().getByLabel("Name").fill("CRM_TOKEN");
    await form().getByRole("button", { name: "Save secret" }).click();
    await page.getByText("Secret CRM_TOKEN created.").waitFor();
    const row = secretsTable().getByRole("row", { name: /CRM_TOKEN/ });
    expect(await row.textContent()).toContain("no function");
    expect(await row.textContent()).toContain("never");
    expect(await form().getByLabel("Value").inputValue()).toBe("");
    expect(await form().getByLabel("Name").inputValue()).toBe("");
    expect(await form().getByLabel("Value").getAttribute("type")).toBe("password");
    await expectNoValueInPage();
    await screenshot(page, "secrets");
  });

  it("rotates a secret from its row", async () => {
    await secretsTable().getByRole("button", { name: "Rotate CRM_TOKEN" }).click();
    await page.getByRole("heading", { name: "Rotate CRM_TOKEN" }).waitFor();
    expect(await form().getByLabel("Name").inputValue()).toBe("CRM_TOKEN");
    await screenshot(page, "secrets-rotate");
    // The value field has the focus: typing goes straight into it.
    await page.keyboard.insertText(ROTATED);
    await form().getByRole("button", { name: "Save new value" }).click();
    await page.getByText("Secret CRM_TOKEN replaced").waitFor();
    await page.getByRole("heading", { name: "Set a secret" }).waitFor();
    expect(await form().getByLabel("Value").inputValue()).toBe("");
    await expectNoValueInPage();
  });

  it("deletes a secret after a confirm", async () => {
    await setSecret("TEMP_TOKEN", TEMP);
    await page.getByText("Secret TEMP_TOKEN created.").waitFor();
    const row = secretsTable().getByRole("row", { name: /TEMP_TOKEN/ });
    await row.getByRole("button", { name: "Delete TEMP_TOKEN" }).click();
    await row.getByRole("button", { name: "Confirm delete" }).click();
    await page.getByText("Secret TEMP_TOKEN deleted.").waitFor();
    await expect.poll(() => secretsTable().getByText("TEMP_TOKEN").count()).toBe(0);
    const listed = await fetch(`${url}/v1/secrets`, { headers: auth }).then((r) => r.json());
    expect(listed.items.map((s: { name: string }) => s.name)).not.toContain("TEMP_TOKEN");
  });

  it("shows the manifest's secrets on the function page and grants one", async () => {
    await page.goto(`${url}/functions/${FN}`);
    const config = page.getByRole("region", { name: "Configuration" });
    await config.getByTestId("grant-state-CRM_TOKEN").waitFor();
    expect(await config.getByTestId("grant-state-CRM_TOKEN").textContent()).toBe("not granted");
    // Asked for but never set: marked so, with no value to grant yet.
    expect(await config.getByTestId("grant-state-CRM_WEBHOOK_SECRET").textContent()).toBe("not grantednot set");
    const save = config.getByRole("button", { name: "Save grants" });
    expect(await save.isDisabled()).toBe(true);

    await config.getByLabel("Grant CRM_TOKEN").check();
    await save.click();
    await page.getByText("Grants saved").waitFor();
    expect(await config.getByTestId("grant-state-CRM_TOKEN").textContent()).toBe("granted ✓");
    const stored = await fetch(`${url}/v1/functions/${FN}/config`, { headers: auth }).then((r) => r.json());
    expect(stored.grants).toEqual(["CRM_TOKEN"]);
    await page.reload();
    await expect.poll(() => config.getByTestId("grant-state-CRM_TOKEN").textContent()).toBe("granted ✓");
    expect(await config.getByLabel("Grant CRM_TOKEN").isChecked()).toBe(true);
  });

  it("refuses a reserved variable name at its row, then saves variables that survive a reload", async () => {
    const config = page.getByRole("region", { name: "Configuration" });
    expect(await config.getByText("No environment variables.").count()).toBe(1);
    await config.getByRole("button", { name: "Add variable" }).click();
    await config.getByLabel("Name of variable 1").fill("KILN_MODE");
    await config.getByLabel("Value of variable 1").fill("fast");
    await config.getByRole("button", { name: "Save variables" }).click();
    await expect.poll(() => config.getByLabel("Name of variable 1").getAttribute("aria-invalid")).toBe("true");
    expect(await config.locator(".env-row .field-error").count()).toBe(1);

    await config.getByLabel("Name of variable 1").fill("CRM_BASE_URL");
    await config.getByLabel("Value of variable 1").fill("https://crm.example.com");
    await config.getByRole("button", { name: "Add variable" }).click();
    // The same name twice would silently keep only one value: refused before sending.
    await config.getByLabel("Name of variable 2").fill("CRM_BASE_URL");
    await config.getByLabel("Value of variable 2").fill("eu");
    await config.getByRole("button", { name: "Save variables" }).click();
    await expect.poll(() => config.locator(".env-row .field-error").textContent()).toContain("CRM_BASE_URL is listed twice");
    await config.getByLabel("Name of variable 2").fill("CRM_REGION");
    await config.getByRole("button", { name: "Save variables" }).click();
    await page.getByText("Environment variables saved").waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "function-config");

    await page.reload();
    await config.getByLabel("Name of variable 1").waitFor();
    const names = await config.getByLabel(/^Name of variable/).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(names.sort()).toEqual(["CRM_BASE_URL", "CRM_REGION"]);
    const region = names.indexOf("CRM_REGION") + 1;
    await config.getByRole("button", { name: `Remove variable ${region}` }).click();
    await config.getByRole("button", { name: "Save variables" }).click();
    await page.getByText("Environment variables saved").waitFor();
    const stored = await fetch(`${url}/v1/functions/${FN}/config`, { headers: auth }).then((r) => r.json());
    expect(stored.env).toEqual({ CRM_BASE_URL: "https://crm.example.com" });
  });

  it("lists the grant on the Secrets page and works at phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/secrets`);
    const row = secretsTable().getByRole("row", { name: /CRM_TOKEN/ });
    await expect.poll(() => row.textContent()).toContain(FN);
    expect(await row.getByRole("link", { name: FN }).getAttribute("href")).toBe(`/functions/${FN}`);
    // Rows are cards at this width: the actions are on screen, not past a horizontal scroll.
    expect(await row.getByRole("button", { name: "Rotate CRM_TOKEN" }).isVisible()).toBe(true);
    const box = await row.getByRole("button", { name: "Delete CRM_TOKEN" }).boundingBox();
    expect((box?.x ?? 9999) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    await screenshot(page, "phone-secrets");
    await emulateScheme(page, "dark");
    await screenshot(page, "phone-secrets-dark");
    await page.goto(`${url}/functions/${FN}`);
    await page.getByRole("region", { name: "Configuration" }).getByLabel("Value of variable 1").waitFor();
    await screenshot(page, "phone-function-config-dark");
    await emulateScheme(page, "light");
    await screenshot(page, "phone-function-config");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("never received a secret value in any API answer, and raised no page error", async () => {
    const received = await Promise.all(bodies);
    expect(received.length).toBeGreaterThan(10);
    for (const body of received) for (const v of VALUES) expect(body).not.toContain(v);
    await expectNoValueInPage();
    expect(pageErrors).toEqual([]);
  });

  it("shows a read-only key the same configuration without controls", async () => {
    const created = await fetch(`${url}/v1/keys`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "config-viewer", scopes: ["functions:read", "secrets:read"], functions: null }),
    }).then((r) => r.json());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(10_000);
    await viewer.goto(`${url}/functions/${FN}`);
    await viewer.getByLabel("API key").fill(created.key);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    const config = viewer.getByRole("region", { name: "Configuration" });
    await config.getByTestId("grant-state-CRM_TOKEN").waitFor();
    expect(await config.getByTestId("grant-state-CRM_TOKEN").textContent()).toBe("granted ✓");
    expect(await config.getByRole("checkbox").count()).toBe(0);
    expect(await config.getByRole("button").count()).toBe(0);
    expect(await config.getByRole("table", { name: "Environment variables" }).textContent()).toContain("https://crm.example.com");

    await viewer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Secrets" }).click();
    await viewer.getByRole("table", { name: "Secrets" }).getByText("CRM_TOKEN").waitFor();
    expect(await viewer.getByRole("region", { name: /Set a secret/ }).count()).toBe(0);
    expect(await viewer.getByRole("button", { name: /Rotate|Delete/ }).count()).toBe(0);
    await context.close();
  });
});
