// Types of chromium.mjs, for the browser tests that import it.
import type { Browser } from "playwright-core";
export function launchChromium(): Promise<Browser>;
