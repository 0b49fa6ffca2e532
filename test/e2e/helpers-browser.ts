// Launches Debian's headless Chromium (scripts/chromium.mjs) for the dashboard tests, takes
// screenshots, and runs axe-core in a page.
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { launchChromium } from "../../scripts/chromium.mjs";

export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchChromium();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Runs axe in the page: no serious or critical violation (each named with the elements it found). */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run({ runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, label).toEqual([]);
}

/**
 * Switches the emulated system colour scheme and waits until the dashboard has followed it (it
 * does so in a media-query listener, after emulateMedia returns).
 */
export async function emulateScheme(page: Page, colorScheme: "light" | "dark"): Promise<void> {
  await page.emulateMedia({ colorScheme });
  await page.waitForFunction((scheme) => document.documentElement.dataset.theme === scheme, colorScheme);
}
