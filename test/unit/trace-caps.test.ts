// The trace caps: whatever an isolate sends, the parsed trace has the right types and stays bounded.
import { describe, expect, it } from "vitest";
import { capText, capTrace, parseRunError, TRACE_LIMITS, TraceCollector } from "../../workers/lib/domain/trace-caps";

describe("trace caps", () => {
  it("coerces or replaces wrong types and drops what is not a record", () => {
    const trace = capTrace({
      logs: [
        null,
        5,
        { level: "loud", message: null, data: { x: 1 }, step: 7, at: "now" },
        { level: "warn", message: 42, data: null, step: null, at: 3 },
      ],
      steps: [{ name: ["x"], kind: 1, status: "bogus", attempt: "one", startedAt: null, endedAt: "later", error: {}, output: 9 }],
      spans: "not a list",
    });
    expect(trace.logs).toEqual([
      { level: "info", message: "[kiln: log message was not text]", data: "[not text]", step: "7", at: 0 },
      { level: "warn", message: "42", data: null, step: null, at: 3 },
    ]);
    expect(trace.steps).toEqual([
      {
        name: "[kiln: step name was not text]",
        kind: "step",
        status: "failed",
        attempt: 1,
        startedAt: 0,
        endedAt: 0,
        error: "[not text]",
        output: "9",
      },
    ]);
    expect(trace.spans).toEqual([]);
  });

  it("cuts long texts with a marker and keeps at most the per-run lines and text, then says how many were dropped", () => {
    expect(capText("abcdef", 3)).toBe("abc… [kiln: 3 characters truncated]");
    const line = (i: number) => ({ level: "info", message: `${i}:${"m".repeat(20_000)}`, data: null, step: null, at: i });
    const trace = capTrace({ logs: Array.from({ length: 2000 }, (_, i) => line(i)), steps: [], spans: [] });
    const text = trace.logs.slice(0, -1).reduce((n, l) => n + l.message.length, 0);
    expect(text).toBeLessThanOrEqual(TRACE_LIMITS.logChars);
    expect(trace.logs[0]?.message.length).toBeLessThan(TRACE_LIMITS.messageChars + 100);
    expect(trace.logs.at(-1)?.message).toMatch(new RegExp(`^\\[kiln\\] ${2000 - (trace.logs.length - 1)} log lines dropped`));
  });

  it("places steps by index (a changed record replaces the earlier one) and caps their number", () => {
    const c = new TraceCollector();
    const step = (status: string) => ({
      name: "a",
      kind: "step",
      status,
      attempt: 1,
      startedAt: 1,
      endedAt: null,
      error: null,
      output: null,
    });
    c.putSteps([[0, step("running")]]);
    c.putSteps([
      [0, step("succeeded")],
      [TRACE_LIMITS.steps, step("running")],
      [-1, step("running")],
      ["1", step("running")],
    ]);
    expect(c.trace().steps.map((s) => s.status)).toEqual(["succeeded"]);
  });

  it("caps a run error's message and keeps retryable unless it is false", () => {
    const error = parseRunError({ message: "E".repeat(5_000_000), name: 5, step: null, retryable: "no" });
    expect(error.message.length).toBeLessThan(TRACE_LIMITS.messageChars + 100);
    expect(error).toMatchObject({ name: "5", step: null, retryable: true });
  });
});
