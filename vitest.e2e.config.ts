// End-to-end tests: the real local server (`wrangler dev`) driven over HTTP and, for the
// dashboard, through Debian's headless Chromium. Runs in Node, not in workerd.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts", "cli/test/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
