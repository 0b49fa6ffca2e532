import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const adminKey = inject("adminKey");
const auth = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };

// One line: CodeMirror's auto-indent would add to typed newlines; closing brackets and quotes typed
// after their auto-inserted twins are typed over, so the document ends up exactly as typed.
const typed = (tag: string) =>
  `import { defineFunction, z } from "kiln"; export default defineFunction({ description: "typed ${tag}", input: z.object({ n: z.number() }), run: (i) => ({ doubled: i.n * 2, tag: "${tag}" }) });`;

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
});

async function source(name: string, version: number): Promise<string> {
  const res = await fetch(`${url}/v1/functions/${name}/versions/${version}`, { headers: auth });
  return (await res.json()).files["index.ts"];
}

/** Select-all + Delete, then `text` typed key by key with no delay. */
async function retype(text: string) {
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
}

describe("dashboard editor", () => {
  it("signs in, serves a favicon and immutable hashed assets", async () => {
    const icon = await fetch(`${url}/favicon.ico`);
    expect(icon.headers.get("content-type")).toMatch(/icon/);
    await page.goto(`${url}/functions/new`);
    const html = await (await fetch(`${url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    expect((await fetch(`${url}${asset}`)).headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${url}/`)).headers.get("cache-control") ?? "").not.toContain("immutable");

    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "New function", level: 1 }).waitFor();
    expect(await page.title()).toBe("New function · Functions · Kiln");
  });

  it("keeps every fast-typed key, after select-all + Delete too, and deploys exactly what was typed", async () => {
    await page.getByLabel("Name").fill("typed-fast");
    await page.locator(".cm-content").waitFor();
    await retype(typed("one"));
    expect(await page.locator(".cm-content").textContent()).toBe(typed("one"));
    await retype(typed("two"));
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByRole("heading", { name: "typed-fast", level: 1 }).waitFor();
    expect(await source("typed-fast", 1)).toBe(typed("two"));
    expect(await page.title()).toBe("typed-fast · Functions · Kiln");
    await expectAccessible(page, "function page");
  });

  it("asks before leaving unsaved code, keeps a draft across a reload, and deploys it", async () => {
    await page.getByRole("button", { name: /Edit v1/ }).click();
    await page.locator(".cm-content").waitFor();
    await retype(typed("three"));
    const dialogs: string[] = [];
    page.once("dialog", (d) => {
      dialogs.push(d.type());
      void d.dismiss();
    });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runs" }).click();
    await expect.poll(() => dialogs).toEqual(["confirm"]);
    expect(new URL(page.url()).pathname).toBe("/functions/typed-fast");

    page.once("dialog", (d) => {
      dialogs.push(d.type());
      void d.accept();
    });
    await page.reload();
    expect(dialogs).toEqual(["confirm", "beforeunload"]);
    await page.getByRole("button", { name: "Resume your unsaved draft" }).click();
    await page.getByText("Restored your unsaved draft").waitFor();
    expect(await page.locator(".cm-content").textContent()).toBe(typed("three"));
    await screenshot(page, "editor-draft-restored");
    await page.getByRole("button", { name: "Deploy new version" }).click();
    await expect.poll(() => page.getByTestId("active-version").textContent()).toBe("v2");
    expect(await source("typed-fast", 2)).toBe(typed("three"));
    // Deployed: no draft left, and leaving asks nothing.
    expect(await page.evaluate(() => sessionStorage.getItem("kiln:draft:typed-fast"))).toBeNull();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Functions" }).click();
    await page.getByRole("heading", { name: "Functions", level: 1 }).waitFor();
  });

  it("asks before a new function overwrites an existing name; an identical deploy changes nothing", async () => {
    await page.getByRole("link", { name: "New function" }).click();
    await page.getByLabel("Name").fill("typed-fast");
    await retype(typed("three"));
    await page.getByRole("button", { name: "Deploy" }).click();
    await page.getByText("already exists (active v2)").waitFor();
    await screenshot(page, "new-function-overwrite");
    await page.getByRole("button", { name: "Deploy as a new version of typed-fast" }).click();
    await page.getByRole("heading", { name: "typed-fast", level: 1 }).waitFor();
    expect(await page.getByTestId("active-version").textContent()).toBe("v2");
    const versions = await (await fetch(`${url}/v1/functions/typed-fast/versions`, { headers: auth })).json();
    expect(versions.items).toHaveLength(2);

    await page.getByRole("button", { name: /Edit v2/ }).click();
    await page.getByRole("button", { name: "Deploy new version" }).click();
    await page.getByText("Nothing to deploy: v2 already has this code.").waitFor();
    expect(await page.getByRole("button", { name: "Roll back to v1" }).count()).toBe(1);
  });

  it("switches to dark mode with dark editor tokens and gutters, and keeps the choice", async () => {
    await page.getByRole("button", { name: /Edit v2/ }).click();
    await page.locator(".cm-gutters").waitFor();
    await page.getByLabel("Theme").selectOption("dark");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    const colours = () =>
      page.evaluate(() => {
        const css = (sel: string, prop: string) => getComputedStyle(document.querySelector(sel)!).getPropertyValue(prop);
        return {
          text: css(".cm-content", "color"),
          gutter: css(".cm-gutters", "background-color"),
          keyword: css(".cm-line span", "color"),
        };
      });
    const dark = await colours();
    expect(dark.text).toBe("rgb(236, 233, 227)");
    expect(dark.gutter).toBe("rgb(33, 31, 28)");
    expect(dark.keyword).toBe("rgb(196, 181, 253)");
    await screenshot(page, "editor-dark");
    await expectAccessible(page, "function page, dark");
    await page.reload();
    await page.getByRole("heading", { name: "typed-fast", level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.getByLabel("Theme").selectOption("light");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
  });

  it("fits lists on a phone: the status stays on screen", async () => {
    await fetch(`${url}/v1/tools/typed-fast`, { method: "POST", headers: auth, body: JSON.stringify({ n: 2 }) });
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, table] of [
      ["/runs?function=typed-*", "Runs"],
      ["/functions", "Functions"],
    ] as const) {
      await page.goto(`${url}${path}`);
      const badge = page.getByRole("table", { name: table }).locator(".badge").first();
      const box = await badge.boundingBox();
      expect(box, path).not.toBeNull();
      expect(box!.x + box!.width, path).toBeLessThanOrEqual(390);
      if (table === "Runs") {
        // The prefix filter finds the run, and the counts for the filter say so.
        await expect.poll(() => page.getByRole("list", { name: "Run counts" }).textContent()).toContain("1 in all");
        expect(await page.getByRole("table", { name: "Runs" }).textContent()).toContain("typed-fast");
      }
      await screenshot(page, `phone-${table.toLowerCase()}`);
      await expectAccessible(page, `${table} on a phone`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("jumps anywhere from the command palette (Ctrl-K) and lists shortcuts on ?", async () => {
    await page.goto(`${url}/runs`);
    await page.getByRole("heading", { name: "Runs", level: 1 }).waitFor();
    await page.keyboard.press("Control+k");
    const input = page.getByRole("searchbox", { name: /Go to a page/ });
    await input.fill("typed");
    await page.getByRole("button", { name: /typed-fast Function/ }).waitFor();
    await expectAccessible(page, "command palette");
    await input.press("Enter");
    await page.getByRole("heading", { name: "typed-fast", level: 1 }).waitFor();
    await page.locator("body").press("?");
    await page.getByRole("heading", { name: "Keyboard shortcuts" }).waitFor();
    await screenshot(page, "shortcuts");
    await page.keyboard.press("Escape");
    await page.getByRole("heading", { name: "Keyboard shortcuts" }).waitFor({ state: "hidden" });
  });

  it("shows a limited key only what it can use: no New function, no Retry on a 403", async () => {
    const res = await fetch(`${url}/v1/keys`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "reader", scopes: ["functions:read"] }),
    });
    const { key } = await res.json();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const limited = await context.newPage();
    await limited.goto(`${url}/functions`);
    await limited.getByLabel("API key").fill(key);
    await limited.getByRole("button", { name: "Sign in" }).click();
    await limited.getByRole("heading", { name: "Functions", level: 1 }).waitFor();
    expect(await limited.getByRole("link", { name: "New function" }).count()).toBe(0);
    await limited.goto(`${url}/runs`);
    await limited.getByRole("alert").waitFor();
    expect(await limited.getByRole("alert").textContent()).toContain("does not allow this");
    expect(await limited.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
