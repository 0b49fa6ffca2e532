// Tests run inside workerd through @cloudflare/vitest-plugin, against real D1, Durable Objects,
// Queues, Workflows and the Worker Loader, configured from wrangler.toml.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { filterRuntimeLogs } from "./test/helpers/runtime-log-filter.ts";

filterRuntimeLogs();

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        remoteBindings: false,
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            KILN_ADMIN_KEY: "test-admin-key-0123456789abcdef0123456789",
            KILN_SIGNING_KEY: "test-signing-key-0123456789abcdef0123456789",
            KILN_SECRETS_KEY: "test-secrets-key-0123456789abcdef0123456789",
            // Failure alerts: a short rate-limit window and quick retries, so tests need not wait minutes.
            KILN_ALERT_WINDOW_SECONDS: "3",
            KILN_ALERT_RETRY_DELAYS: "1,1",
          },
          // Replaces wrangler's consumer settings entirely (platform notes §3): repeat them, faster.
          queueConsumers: {
            "kiln-jobs": { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 2, retryDelay: 0, deadLetterQueue: "kiln-jobs-dlq" },
            "kiln-jobs-dlq": { maxBatchSize: 10, maxBatchTimeout: 0.05 },
            "kiln-alerts": { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 2, retryDelay: 0, deadLetterQueue: "kiln-alerts-dlq" },
            "kiln-alerts-dlq": { maxBatchSize: 10, maxBatchTimeout: 0.05 },
          },
        },
      }),
    ],
    test: {
      include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/security/**/*.test.ts"],
      globalSetup: ["./test/helpers/build-isolate.global.ts"],
      setupFiles: ["./test/helpers/setup.ts"],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      // Two files at a time even on two cores (Vitest's default there is one): each file's runtime
      // spends most of its ~5 s start waiting, and the suite took 471 s one at a time, 327 s two at a time.
      maxWorkers: 2,
    },
  };
});
