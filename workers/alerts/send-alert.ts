/**
 * One attempt of an alert delivery: POST the stored body to the rule's URL (signed per Standard
 * Webhooks for a `standard` rule), record the answer, and schedule the next attempt through the
 * alerts queue when it is worth repeating. The URL is a user's: it is checked with the same rules
 * as a function's egress, no redirect is followed, the wait is short and at most 256 characters of
 * the answer are kept. Imports contracts, domain, infra and runtime/run-config.
 */
import type { AlertMessage } from "../lib/contracts/alerts";
import { nextDelaySeconds, parseDelays, RESPONSE_KEEP_CHARS, retryable } from "../lib/domain/alerts";
import { refusedTarget } from "../lib/domain/egress";
import { signStandard } from "../lib/domain/webhook-sign";
import { type AlertDeliveryRow, type AlertRule, ruleSecret, saveAttempt } from "../lib/infra/db/alerts.repo";
import type { Db } from "../lib/infra/db/functions.repo";
import { keyringOf } from "../lib/infra/sealing";
import { allowLocalEgress } from "../runtime/run-config";

const TIMEOUT_MS = 10_000;
/** Seconds between attempts: 7 attempts over about 2.5 hours. */
const DEFAULT_DELAYS = [10, 60, 300, 1800, 3600, 3600];
const DEFAULT_WINDOW_SECONDS = 60;

export interface AlertSettings {
  windowMs: number;
  retryDelays: number[];
}

/**
 * The rate-limit window and the retry schedule. Optional Worker variables change them (tests
 * shorten both): KILN_ALERT_WINDOW_SECONDS, KILN_ALERT_RETRY_DELAYS (seconds, comma-separated).
 */
export function alertSettings(env: Env): AlertSettings {
  const window = Number(Reflect.get(env, "KILN_ALERT_WINDOW_SECONDS"));
  const delays = Reflect.get(env, "KILN_ALERT_RETRY_DELAYS");
  return {
    windowMs: (Number.isInteger(window) && window >= 1 && window <= 3600 ? window : DEFAULT_WINDOW_SECONDS) * 1000,
    retryDelays: parseDelays(typeof delays === "string" ? delays : undefined) ?? DEFAULT_DELAYS,
  };
}

interface Answer {
  status: number | null;
  body: string | null;
  error: string | null;
}

/** The start of a body, read no further than needed. */
async function head(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.length < RESPONSE_KEEP_CHARS) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text.slice(0, RESPONSE_KEEP_CHARS);
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await head(res).catch(() => "");
    if (res.status >= 200 && res.status < 300) return { status: res.status, body: text, error: null };
    const error =
      res.status >= 300 && res.status < 400
        ? `the receiver answered ${res.status} (a redirect): redirects are not followed`
        : `HTTP ${res.status}`;
    return { status: res.status, body: text, error };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      status: null,
      body: null,
      error: timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : `request failed: ${String(error).slice(0, 200)}`,
    };
  }
}

async function headersFor(env: Env, rule: AlertRule, d: AlertDeliveryRow, now: number): Promise<Record<string, string>> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Kiln-Alerts/1" };
  const secret = rule.format === "standard" ? await ruleSecret(await keyringOf(env), rule) : null;
  if (secret === null) return headers;
  const t = String(Math.floor(now / 1000));
  return { ...headers, "webhook-id": d.id, "webhook-timestamp": t, "webhook-signature": await signStandard(secret, d.id, t, d.payload) };
}

/** Makes one attempt and records it; schedules the next one, or ends the delivery as failed. */
export async function attemptDelivery(env: Env, db: Db, rule: AlertRule, d: AlertDeliveryRow, now = Date.now()): Promise<void> {
  const attempts = d.attempts + 1;
  const refused = refusedTarget(new URL(rule.url), allowLocalEgress(env));
  let answer: Answer;
  if (refused !== null) answer = { status: null, body: null, error: `the target is refused: ${refused}` };
  else {
    try {
      answer = await post(rule.url, d.payload, await headersFor(env, rule, d, now));
    } catch (error) {
      // The signing secret could not be unsealed (wrong KILN_SECRETS_KEY): no attempt can succeed.
      answer = { status: null, body: null, error: String(error).slice(0, 300) };
      return saveAttempt(db, d.id, { ...record(answer, attempts, now), status: "failed" });
    }
  }
  if (answer.error === null) return saveAttempt(db, d.id, { ...record(answer, attempts, now), status: "succeeded" });
  const delay = refused === null && retryable(answer.status) ? nextDelaySeconds(attempts, alertSettings(env).retryDelays) : null;
  if (delay === null) return saveAttempt(db, d.id, { ...record(answer, attempts, now), status: "failed" });
  await saveAttempt(db, d.id, { ...record(answer, attempts, now), status: "pending", nextAttemptAt: now + delay * 1000 });
  const message: AlertMessage = { kind: "send", deliveryId: d.id, attempts };
  await env.ALERT_QUEUE.send(message, { delaySeconds: delay });
}

function record(answer: Answer, attempts: number, now: number): Partial<AlertDeliveryRow> {
  return {
    attempts,
    responseStatus: answer.status,
    responseBody: answer.body,
    lastError: answer.error,
    nextAttemptAt: null,
    updatedAt: now,
  };
}
