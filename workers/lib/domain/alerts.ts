/**
 * Failure alerts, the pure part: which events a run's end raises, which rules it matches, how many
 * notifications a rule's window still admits, what each format's body says, and when to try again.
 * No I/O and no clock (times are passed in). Imports only contracts and ./trace-caps.
 */
import { type AlertEvent, type AlertFormat, type AlertRunFacts, SUMMARY_EVENT } from "../contracts/alerts";
import { capText } from "./trace-caps";

/** Most characters of a run's error message an alert carries. */
export const ALERT_ERROR_CHARS = 1000;
/** Most characters of a receiver's answer kept with a delivery. */
export const RESPONSE_KEEP_CHARS = 256;

/** The most specific first: a rule subscribed to several gets one notification, for the first that applies. */
const PRIORITY: readonly AlertEvent[] = ["delivery.failed", "job.dead_lettered", "run.timed_out", "run.failed"];

/** The events the end of this run raises (none for a success or a cancellation). */
export function eventsOf(run: Pick<AlertRunFacts, "status" | "trigger" | "webhook">): AlertEvent[] {
  if (run.status !== "failed" && run.status !== "timed_out") return [];
  const events: AlertEvent[] = [run.status === "failed" ? "run.failed" : "run.timed_out"];
  // A job that ended badly has used its retries: it is in the dead-letter list (GET /v1/jobs/dead-letter).
  if (run.trigger !== "tool") events.push("job.dead_lettered");
  if (run.webhook !== null) events.push("delivery.failed");
  return events;
}

export interface RuleTarget {
  id: string;
  events: readonly AlertEvent[];
  functionName: string | null;
  enabled: boolean;
}

/** Each enabled rule this run's end concerns, with the one event it is notified of. */
export function matchRules(rules: readonly RuleTarget[], run: AlertRunFacts): { id: string; event: AlertEvent }[] {
  const raised = eventsOf(run);
  if (raised.length === 0) return [];
  const out: { id: string; event: AlertEvent }[] = [];
  for (const rule of rules) {
    if (!rule.enabled || (rule.functionName !== null && rule.functionName !== run.function)) continue;
    const event = PRIORITY.find((e) => raised.includes(e) && rule.events.includes(e));
    if (event) out.push({ id: rule.id, event });
  }
  return out;
}

/**
 * How `count` new failures fare in a window that had already seen `before` of them: the first
 * `limit` of a window are sent, the rest dropped (and summed up once the window closes).
 * `firstDrop` marks the one admission that starts dropping in a window: it schedules the summary.
 */
export function admit(before: number, count: number, limit: number): { allowed: number; dropped: number; firstDrop: boolean } {
  const allowed = Math.max(0, Math.min(count, limit - before));
  const dropped = count - allowed;
  return { allowed, dropped, firstDrop: dropped > 0 && before <= limit };
}

/** The rule as an alert names it; `linkBase` is the dashboard's origin. */
export interface RuleFacts {
  id: string;
  name: string;
  linkBase: string;
}

export const runLink = (linkBase: string, runId: string) => `${linkBase}/runs/${encodeURIComponent(runId)}`;

/** Slack reads `&`, `<` and `>` as markup (links, @channel mentions): user text must not carry any. */
export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const WHAT: Record<AlertEvent, string> = {
  "run.failed": "failed",
  "run.timed_out": "timed out",
  "job.dead_lettered": "failed and is in the dead-letter list",
  "delivery.failed": "failed processing a webhook delivery",
};

function slackText(rule: RuleFacts, event: AlertEvent, run: AlertRunFacts): string {
  const where = run.error?.step ? ` in step \`${slackEscape(run.error.step)}\`` : "";
  const lines = [`:rotating_light: *${slackEscape(run.function)}* (v${run.version}, ${run.trigger}) ${WHAT[event]}${where}`];
  if (run.error) lines.push(`> ${slackEscape(capText(run.error.message, ALERT_ERROR_CHARS)).replaceAll("\n", "\n> ")}`);
  if (run.webhook) lines.push(`Webhook endpoint \`${slackEscape(run.webhook.endpointId)}\`, event \`${slackEscape(run.webhook.eventId)}\``);
  lines.push(`<${runLink(rule.linkBase, run.id)}|View run ${slackEscape(run.id)}> · alert rule "${slackEscape(rule.name)}"`);
  return lines.join("\n");
}

/** The body of one notification, as sent (and stored, so every attempt sends the same bytes). */
export function alertBody(format: AlertFormat, rule: RuleFacts, event: AlertEvent, run: AlertRunFacts, now: number): string {
  if (format === "slack") return JSON.stringify({ text: slackText(rule, event, run) });
  const error = run.error ? { ...run.error, message: capText(run.error.message, ALERT_ERROR_CHARS) } : null;
  return JSON.stringify({
    type: event,
    timestamp: new Date(now).toISOString(),
    data: {
      rule: { id: rule.id, name: rule.name },
      run: {
        id: run.id,
        function: run.function,
        version: run.version,
        trigger: run.trigger,
        status: run.status,
        error,
        endedAt: new Date(run.endedAt).toISOString(),
        url: runLink(rule.linkBase, run.id),
      },
      webhook: run.webhook,
    },
  });
}

/** The one message that stands for the failures a window did not send. */
export function summaryBody(
  format: AlertFormat,
  rule: RuleFacts & { functionName: string | null },
  suppressed: number,
  windowSeconds: number,
  now: number,
): string {
  const runs = `${rule.linkBase}/runs?status=failed${rule.functionName ? `&function=${encodeURIComponent(rule.functionName)}` : ""}`;
  if (format === "slack") {
    const text = `:rotating_light: …and ${suppressed} more failure${suppressed === 1 ? "" : "s"} matched alert rule "${slackEscape(rule.name)}" (at most one notification per failure is sent for the first ones of each ${windowSeconds} s). <${runs}|See the runs>`;
    return JSON.stringify({ text });
  }
  return JSON.stringify({
    type: SUMMARY_EVENT,
    timestamp: new Date(now).toISOString(),
    data: { rule: { id: rule.id, name: rule.name }, suppressed, windowSeconds, url: runs },
  });
}

/** Whether an attempt that got this answer (null: none, a network error or the timeout) is worth repeating. */
export function retryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

/** Seconds to wait before the next attempt after `attempts` failed ones, or null to give up. */
export function nextDelaySeconds(attempts: number, delays: readonly number[]): number | null {
  return delays[attempts - 1] ?? null;
}

/** `10,60,300` → [10, 60, 300]; anything malformed → null (use the defaults). */
export function parseDelays(text: string | undefined): number[] | null {
  if (text === undefined || !/^\d{1,5}(,\d{1,5}){0,9}$/.test(text.trim())) return null;
  return text.trim().split(",").map(Number);
}

/** The URL as shown back: origin and first path segment (an incoming-webhook URL's path is its secret). */
export function maskUrl(url: string): string {
  const u = new URL(url);
  const [first, ...rest] = u.pathname.split("/").filter(Boolean);
  const more = rest.length > 0 || u.search !== "" ? "/…" : "";
  return `${u.protocol}//${u.host}${first ? `/${first}` : ""}${more}`;
}
