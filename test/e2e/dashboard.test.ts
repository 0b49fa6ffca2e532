// The dashboard in a real browser against the real local server: sign in, write and deploy a
// function (through a compile error), try it, read its trace, roll back, manage keys, sign out.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { emulateScheme, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");

const BROKEN = `import { defineFunction, z } from "kiln";

const greeting = = "hello";

export default defineFunction({
  description: "Greets someone",
  input: z.object({ name: z.string(), excited: z.boolean().default(true) }),
  async run(input, ctx) {
    ctx.log.info("greeting", { name: input.name });
    const text = await ctx.step("compose", () => \`\${greeting}, \${input.name}\${input.excited ? "!" : "."}\`);
    return { text };
  },
});
`;
const FIXED = BROKEN.replace("= = ", "= ");

let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
});

/** Replaces the whole CodeMirror document with `text`. */
async function setCode(text: string) {
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

describe("dashboard", () => {
  it("refuses a wrong key, then signs in with the admin key", async () => {
    await page.goto(`${url}/functions`);
    await page.getByLabel("API key").fill("definitely-not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("That key is not valid");
    await screenshot(page, "sign-in-error");

    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Functions", level: 1 }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toEqual([
      "Overview",
      "Functions",
      "Runs",
      "Logs",
      "Jobs",
      "Approvals",
      "Webhooks",
      "Schedules",
      "Secrets",
      "Alerts",
      "API keys",
      "Audit log",
      "Connected apps",
    ]);
    // The key is never kept in the browser: only the HttpOnly cookie is.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(adminKey);
  });

  it("shows a compile error at its line, keeps the code, then deploys the fix", async () => {
    await page.getByRole("link", { name: "New function" }).click();
    await page.getByLabel("Name").fill("greet");
    await setCode(BROKEN);
    await page.getByRole("button", { name: "Deploy" }).click();
    const alert = page.locator(".compile-error");
    await expect.poll(() => alert.textContent()).toContain("Compile error at line 3");
    // The diagnostic marks line 3 of the editor, and the broken code is still there.
    const marked = page.locator(".cm-line", { has: page.locator(".cm-lintRange-error") });
    expect(await marked.textContent()).toBe('const greeting = = "hello";');
    expect(await page.locator(".cm-content").textContent()).toContain("Greets someone");
    await screenshot(page, "editor-compile-error");

    // Code that compiles but throws while loading: the throw's line is marked too.
    await setCode('import { defineFunction, z } from "kiln";\n\nthrow new Error("no config at load");\nexport default 1;\n');
    await page.getByRole("button", { name: "Deploy" }).click();
    await expect.poll(() => alert.textContent()).toContain("Load error at line 3");
    expect(await alert.textContent()).toContain("no config at load");
    expect(await marked.textContent()).toBe('throw new Error("no config at load");');

    await setCode(FIXED);
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByRole("heading", { name: "greet", level: 1 }).waitFor();
    expect(await page.getByTestId("active-version").textContent()).toBe("v1");
    expect(await page.getByText("Greets someone").first().isVisible()).toBe(true);
  });

  it("tries the tool with input generated from its schema and links to the run", async () => {
    const input = page.getByLabel("Input (JSON)");
    expect(JSON.parse(await input.inputValue())).toEqual({ name: "hello", excited: true });
    await input.fill(JSON.stringify({ excited: "yes" }));
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const result = page.getByRole("region", { name: "Result" });
    await expect.poll(() => result.textContent()).toContain("HTTP status400");
    const issues = (await result.locator(".issues").textContent()) ?? "";
    expect(issues).toContain('"name"');
    expect(issues).toContain("excited");

    await input.fill(JSON.stringify({ name: "Ada", excited: true }));
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await expect.poll(() => result.textContent()).toContain("hello, Ada!");
    expect(await result.textContent()).toContain("HTTP status200");
    await screenshot(page, "function-try-it");

    await result.getByRole("link", { name: /^run_/ }).click();
    await page.getByRole("heading", { name: /Run of greet/ }).waitFor();
    const trace = page.getByRole("list", { name: "Trace" });
    // The trace is written after the response: wait for it to appear.
    await expect.poll(() => trace.textContent(), { timeout: 10_000 }).toContain("compose");
    const text = (await trace.textContent()) ?? "";
    expect(text).toContain("greeting");
    expect(text.indexOf("greeting")).toBeLessThan(text.indexOf("compose"));
    expect(await page.locator(".facts").textContent()).toContain("v1");
    await trace.getByRole("button", { name: /compose/ }).click();
    expect(await trace.locator(".row-detail").first().textContent()).toContain("hello, Ada!");
    await screenshot(page, "run-detail");
  });

  it("lists the run on the runs page and filters it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    const table = page.getByRole("table", { name: "Runs" });
    await expect.poll(() => table.textContent()).toContain("greet");
    expect(await table.textContent()).toContain("succeeded");
    // Other suites leave failed runs of their own functions: look at this one only.
    await page.getByLabel("Function", { exact: true }).fill("greet");
    await page.getByLabel("Status").selectOption("failed");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(() => page.getByText("No runs match these filters.").count()).toBe(1);
    await screenshot(page, "runs-empty-filter");
    await page.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => table.textContent()).toContain("greet");
    await screenshot(page, "runs");
  });

  it("deploys a second version, diffs it and rolls back to v1", async () => {
    await page.goto(`${url}/functions/greet`);
    await page.getByRole("button", { name: /Edit v1/ }).click();
    await page.locator(".cm-content").waitFor();
    await setCode(FIXED.replace('"hello"', '"howdy"'));
    await page.getByRole("button", { name: "Deploy new version" }).click();
    await expect.poll(() => page.getByTestId("active-version").textContent()).toBe("v2");
    const diff = page.locator(".diff");
    await expect.poll(() => diff.locator(".cm-deletedChunk, .cm-deletedText").first().textContent()).toContain("hello");
    expect(await diff.locator(".cm-changedLine").first().textContent()).toContain("howdy");
    await screenshot(page, "function-versions");

    await page.getByRole("button", { name: "Roll back to v1" }).click();
    await page.getByRole("button", { name: "Confirm rollback" }).click();
    await expect.poll(() => page.getByTestId("active-version").textContent()).toBe("v1");
    const rows = page.getByRole("table", { name: "Versions" }).getByRole("row");
    expect(await rows.filter({ hasText: "active" }).textContent()).toContain("v1");
  });

  it("creates an API key shown once, then revokes it", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Name", { exact: true }).fill("support-agent");
    await page.getByLabel("runs:read").check();
    await page.getByLabel("Functions (optional)").fill("greet");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent()) ?? "";
    expect(key.length).toBeGreaterThan(20);
    await page.getByRole("button", { name: "Copy key" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    const row = page.getByRole("row", { name: /support-agent/ });
    expect(await row.textContent()).toContain("tools:call");
    expect(await row.textContent()).toContain("greet");
    await screenshot(page, "keys");

    await page.getByRole("button", { name: /hide the key/ }).click();
    expect(await page.getByText(key).count()).toBe(0);
    await row.getByRole("button", { name: "Revoke support-agent" }).click();
    await row.getByRole("button", { name: "Confirm revoke" }).click();
    await expect.poll(() => row.textContent()).toContain("revoked");
    const res = await fetch(`${url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key }),
    });
    expect(res.status).toBe(401);
  });

  it("creates a schedule with a live preview of its fire times in the chosen zone", async () => {
    await page.getByRole("link", { name: "Schedules" }).click();
    await page.getByRole("heading", { name: "Schedules", level: 1 }).waitFor();
    await page.getByLabel("Name").fill("morning-greet");
    await page.getByLabel("Function").fill("greet");
    await page.getByLabel(/Cron expression/).fill("0 9 * * 1-5");
    await page.getByLabel(/Time zone/).fill("Europe/Berlin");
    const preview = page.getByRole("region", { name: "Next fire times" }).locator("time");
    // The preview follows the zone as it is typed: wait for Berlin's, not the UTC one before it.
    const berlin = (times: string[]) => times.length === 5 && times.every((t) => /T09:00:00(\.000)?\+0[12]:00$/.test(t));
    await expect.poll(async () => berlin(await preview.allTextContents())).toBe(true);
    await page.getByLabel("Input (JSON)").fill('{"name":"Ada"}');
    await page.getByRole("button", { name: "Create schedule" }).click();
    const row = page.getByRole("table", { name: "Schedules" }).getByRole("row", { name: /morning-greet/ });
    await expect.poll(() => row.textContent()).toContain("greet");
    await row.getByRole("button", { name: "Pause morning-greet" }).click();
    await expect.poll(() => row.getByRole("button", { name: "Resume morning-greet" }).count()).toBe(1);
    await screenshot(page, "schedules");
    // Its page: facts, run now, and the run in its history with a link to the job.
    await row.getByRole("link", { name: "morning-greet" }).click();
    await page.getByRole("heading", { name: "morning-greet", level: 1 }).waitFor();
    expect(await page.getByTestId("schedule-next").textContent()).toBe("paused");
    await page.getByRole("button", { name: "Run now" }).click();
    const history = page.getByRole("table", { name: "Schedule history" });
    await expect.poll(() => history.getByRole("row").count()).toBe(2);
    expect(await history.getByRole("row").nth(1).textContent()).toContain("run now");
    await expect.poll(async () => (await page.getByTestId("schedule-counts").textContent()) ?? "").toMatch(/(queued|running|succeeded) 1/);
    expect(await page.getByTestId("schedule-skipped").textContent()).toBe("0");
    await screenshot(page, "schedule-page");
    // At phone width in dark mode: no sideways scroll, the history's status still on screen.
    await emulateScheme(page, "dark");
    await page.setViewportSize({ width: 390, height: 844 });
    const look = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      badgeRight: document.querySelector("table[aria-label='Schedule history'] .badge")!.getBoundingClientRect().right,
      page: (getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g) ?? []).slice(0, 3).map(Number),
    }));
    expect(look.overflow).toBeLessThanOrEqual(0);
    expect(look.badgeRight).toBeLessThanOrEqual(390);
    expect(look.page.reduce((a, b) => a + b, 0) / 3).toBeLessThan(80);
    await screenshot(page, "schedule-page-phone-dark");
    await emulateScheme(page, "light");
    await page.setViewportSize({ width: 1280, height: 900 });
    // Back in the list, the run now is the schedule's last run, linked to its job.
    await page.getByRole("link", { name: "Schedules" }).click();
    await expect.poll(() => row.getByRole("link", { name: /^Last run of morning-greet: (queued|running|succeeded)$/ }).count()).toBe(1);
  });

  it("shows the audit log with filters and Load more, readable at phone width and in dark mode", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    const table = page.getByRole("table", { name: "Audit events" });
    const actions = () => table.locator("tbody tr td:nth-child(3)").allTextContents();
    await expect.poll(actions).toContain("key.revoke");
    const keyRows = table.getByRole("row", { name: /support-agent/ });
    expect(await keyRows.count()).toBe(2); // key.create (name in details) and key.revoke
    await page.getByLabel("Action").fill("function.deploy");
    await page.getByRole("button", { name: "Apply" }).click();
    // Other e2e files share this server and deploy too: only this file's deploys are counted.
    await expect.poll(async () => new Set(await actions())).toEqual(new Set(["function.deploy"]));
    expect(await table.getByRole("row", { name: /greet/ }).count()).toBe(2);
    expect(page.url()).toContain("action=function.deploy");

    // 55 token mints through the API by a key of this test's own: more than one page (50).
    const minter = await fetch(`${url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "audit-minter", scopes: ["runs:read"] }),
    }).then((r) => r.json());
    for (let i = 0; i < 55; i++) {
      const res = await fetch(`${url}/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${minter.key}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes: ["runs:read"], ttlSeconds: 60 }),
      });
      expect(res.status).toBe(201);
    }
    await page.getByLabel("Action").fill("token.mint");
    await page.getByLabel(/Actor/).fill(minter.id);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(async () => (await actions()).length).toBe(50);
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(async () => (await actions()).length).toBe(55);
    expect(new Set(await actions())).toEqual(new Set(["token.mint"]));
    expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);

    await emulateScheme(page, "dark");
    await page.setViewportSize({ width: 390, height: 844 });
    const look = await page.evaluate(() => {
      const rgb = (el: Element, prop: "color" | "backgroundColor") =>
        (getComputedStyle(el)[prop].match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const lum = ([r = 0, g = 0, b = 0]: number[]) => (r + g + b) / 3;
      const cell = document.querySelector("table[aria-label='Audit events'] td")!;
      return {
        page: lum(rgb(document.documentElement, "backgroundColor")),
        text: lum(rgb(cell, "color")),
        overflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    expect(look.page).toBeLessThan(80); // a dark background…
    expect(look.text).toBeGreaterThan(150); // …with light text
    expect(look.overflow).toBeLessThanOrEqual(0); // the page never scrolls sideways; the table scrolls in its box
    await screenshot(page, "audit-phone-dark");
    await emulateScheme(page, "light");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("works at phone width and signs out", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/functions`);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    expect(await nav.getByRole("link", { name: "Runs" }).isVisible()).toBe(true);
    await screenshot(page, "phone-functions");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.getByRole("heading", { name: "Sign in to Kiln" }).isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
