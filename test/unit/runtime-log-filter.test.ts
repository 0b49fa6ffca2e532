// The test-output filter hides only the engine messages tests cause on purpose: any other
// uncaught exception (a real bug) is still printed.
import { describe, expect, it } from "vitest";
import { isExpectedRuntimeNoise } from "../helpers/runtime-log-filter";

const uncaught = (stack: string) => `uncaught exception; source = Uncaught (in promise); stack = ${stack}\n`;

describe("runtime log filter", () => {
  it("hides a redelivered start, a deliberate step failure and a stopped engine", () => {
    expect(
      isExpectedRuntimeNoise(uncaught('WorkflowError: (instance.already_exists) Workflow instance with id "run_1" already exists')),
    ).toBe(true);
    expect(
      isExpectedRuntimeNoise(uncaught("Error: carrier offline\n    at AsyncFunction.<anonymous> (/w/workers/jobs/job-driver.ts:103:72)")),
    ).toBe(true);
    expect(isExpectedRuntimeNoise(uncaught("Error: Aborting engine: User called terminate"))).toBe(true);
  });

  it("keeps every other uncaught exception, and ordinary output", () => {
    expect(
      isExpectedRuntimeNoise(uncaught("TypeError: Cannot read properties of undefined\n    at handler (/w/workers/http/app.ts:10:3)")),
    ).toBe(false);
    expect(isExpectedRuntimeNoise(uncaught("Error: carrier offline\n    at helper (/w/workers/runtime/invoke.ts:5:1)"))).toBe(false);
    expect(isExpectedRuntimeNoise("Error: carrier offline at job-driver.ts\n")).toBe(false);
  });
});
