// Failure alerts, the pure part: events raised by a run's end, rule matching (one event per rule),
// the window's admission arithmetic, Slack escaping, URL masking and the retry schedule.
import { describe, expect, it } from "vitest";
import type { AlertRunFacts } from "../../workers/lib/contracts/alerts";
import {
  admit,
  alertBody,
  eventsOf,
  maskUrl,
  matchRules,
  nextDelaySeconds,
  parseDelays,
  retryable,
  slackEscape,
} from "../../workers/lib/domain/alerts";

const run = (o: Partial<AlertRunFacts> = {}): AlertRunFacts => ({
  id: "run_1",
  function: "f",
  version: 2,
  trigger: "tool",
  status: "failed",
  error: { message: "boom", name: "Error", step: "s" },
  endedAt: 0,
  webhook: null,
  ...o,
});

describe("alert events", () => {
  it("raises nothing for a success or a cancellation; dead-letter only for jobs; delivery.failed only for webhook runs", () => {
    expect(eventsOf(run({ status: "succeeded" }))).toEqual([]);
    expect(eventsOf(run({ status: "cancelled", trigger: "job" }))).toEqual([]);
    expect(eventsOf(run())).toEqual(["run.failed"]);
    expect(eventsOf(run({ status: "timed_out", trigger: "schedule" }))).toEqual(["run.timed_out", "job.dead_lettered"]);
    expect(eventsOf(run({ trigger: "webhook", webhook: { endpointId: "whk_1", eventId: "e" } }))).toEqual([
      "run.failed",
      "job.dead_lettered",
      "delivery.failed",
    ]);
  });

  it("matches each enabled rule once, for the most specific event it asked for, on its function or all", () => {
    const rules = [
      { id: "a", events: ["run.failed", "job.dead_lettered"] as const, functionName: null, enabled: true },
      { id: "b", events: ["run.failed"] as const, functionName: "other", enabled: true },
      { id: "c", events: ["run.failed"] as const, functionName: "f", enabled: false },
      { id: "d", events: ["run.timed_out"] as const, functionName: "f", enabled: true },
      { id: "e", events: ["run.failed"] as const, functionName: "f", enabled: true },
    ].map((r) => ({ ...r, events: [...r.events] }));
    expect(matchRules(rules, run({ trigger: "job" }))).toEqual([
      { id: "a", event: "job.dead_lettered" },
      { id: "e", event: "run.failed" },
    ]);
    expect(matchRules(rules, run({ status: "succeeded" }))).toEqual([]);
  });
});

describe("the rate-limit window", () => {
  it("admits the first `limit` of a window, drops the rest, and marks only the first drop", () => {
    expect(admit(0, 1, 10)).toEqual({ allowed: 1, dropped: 0, firstDrop: false });
    expect(admit(9, 1, 10)).toEqual({ allowed: 1, dropped: 0, firstDrop: false });
    expect(admit(10, 1, 10)).toEqual({ allowed: 0, dropped: 1, firstDrop: true });
    expect(admit(11, 1, 10)).toEqual({ allowed: 0, dropped: 1, firstDrop: false });
    expect(admit(8, 5, 10)).toEqual({ allowed: 2, dropped: 3, firstDrop: true });
  });
});

describe("formats and targets", () => {
  it("escapes Slack markup in user text, so an error message cannot mention @channel or plant a link", () => {
    expect(slackEscape("<!channel> & <https://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;https://x|y&gt;");
    const body = JSON.parse(
      alertBody("slack", { id: "r", name: "<!here>", linkBase: "https://k" }, "run.failed", run({ function: "f" }), 0),
    );
    expect(body.text).not.toContain("<!here>");
    expect(body.text).toContain("<https://k/runs/run_1|View run run_1>");
  });

  it("cuts a run's error message in the alert", () => {
    const body = JSON.parse(
      alertBody(
        "standard",
        { id: "r", name: "n", linkBase: "https://k" },
        "run.failed",
        run({ error: { message: "x".repeat(50_000), name: null, step: null } }),
        0,
      ),
    );
    expect(body.data.run.error.message.length).toBeLessThan(1100);
  });

  it("shows a target without the path that may be its credential", () => {
    expect(maskUrl("https://hooks.slack.com/services/T0/B0/secret")).toBe("https://hooks.slack.com/services/…");
    expect(maskUrl("https://example.com/")).toBe("https://example.com");
    expect(maskUrl("https://example.com/hook?token=abc")).toBe("https://example.com/hook/…");
  });

  it("retries network errors, timeouts, 408, 429 and 5xx on a schedule, and nothing else", () => {
    for (const s of [null, 408, 429, 500, 503]) expect(retryable(s)).toBe(true);
    for (const s of [301, 302, 400, 401, 403, 404, 410]) expect(retryable(s)).toBe(false);
    expect(nextDelaySeconds(1, [10, 60])).toBe(10);
    expect(nextDelaySeconds(2, [10, 60])).toBe(60);
    expect(nextDelaySeconds(3, [10, 60])).toBeNull();
    expect(parseDelays("1,2,3")).toEqual([1, 2, 3]);
    for (const bad of [undefined, "", "a", "1,,2", "-1", "1.5"]) expect(parseDelays(bad)).toBeNull();
  });
});
