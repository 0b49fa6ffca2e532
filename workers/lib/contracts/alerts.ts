/**
 * Failure alerts: rules (which failures, for which function, to which URL, in which format), their
 * deliveries, and the queue messages that carry alert work from where runs end to the alerts
 * consumer. A rule's signing secret is write-only: only the answer to its creation carries it.
 * Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName } from "./functions";
import { RunStatus, RunTrigger } from "./runs";

/** What a rule can be notified of. */
export const AlertEvent = z.enum(["run.failed", "run.timed_out", "job.dead_lettered", "delivery.failed"]);
export type AlertEvent = z.infer<typeof AlertEvent>;

/** `slack`: `{"text": …}` for a Slack incoming webhook; `standard`: JSON signed per Standard Webhooks. */
export const AlertFormat = z.enum(["slack", "standard"]);
export type AlertFormat = z.infer<typeof AlertFormat>;

export const MAX_ALERT_URL_CHARS = 2048;
/** Most rules one function may have (and most rules for all functions): bounds the fan-out of one failure. */
export const MAX_ALERT_RULES_PER_FUNCTION = 20;
/** Notifications one rule sends per window; the rest are counted and sent as one summary when the window closes. */
export const ALERTS_PER_WINDOW = 10;
/** Alert deliveries kept per rule (newest first). */
export const MAX_ALERT_DELIVERIES_PER_RULE = 100;

/** An absolute http(s) URL, parsed by the WHATWG parser (never a backtracking regex). */
export const AlertUrl = z
  .string()
  .max(MAX_ALERT_URL_CHARS, `at most ${MAX_ALERT_URL_CHARS} characters`)
  .refine((s) => URL.canParse(s), "must be an absolute URL")
  .refine((s) => !URL.canParse(s) || /^https?:$/.test(new URL(s).protocol), "must be an http or https URL");

const Events = z
  .array(AlertEvent)
  .min(1)
  .max(AlertEvent.options.length)
  .transform((e) => [...new Set(e)]);

export const CreateAlertRequest = z.strictObject({
  name: z.string().trim().min(1).max(100),
  events: Events,
  /** One function, or null for every function (needs a credential not limited to some functions). */
  function: FunctionName.nullable().default(null),
  url: AlertUrl,
  format: AlertFormat.default("standard"),
  enabled: z.boolean().default(true),
});
export type CreateAlertRequest = z.infer<typeof CreateAlertRequest>;

/** Anything but the format (a rule that changes format needs a new secret: create another). */
export const UpdateAlertRequest = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  events: Events.optional(),
  function: FunctionName.nullable().optional(),
  url: AlertUrl.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateAlertRequest = z.infer<typeof UpdateAlertRequest>;

export const AlertRuleView = z.object({
  id: z.string(),
  name: z.string(),
  events: z.array(AlertEvent),
  function: z.string().nullable(),
  /** The target with its path cut after the first segment: an incoming-webhook URL is itself a credential. */
  url: z.string(),
  format: AlertFormat,
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertRuleView = z.infer<typeof AlertRuleView>;

/** The answer to creating a `standard` rule: the only one carrying its signing secret. */
export const AlertRuleWithSecret = AlertRuleView.extend({ secret: z.string() });
export type AlertRuleWithSecret = z.infer<typeof AlertRuleWithSecret>;

/** A summary of the failures a rule did not send one by one during a window. */
export const SUMMARY_EVENT = "alert.suppressed";

export const AlertDeliveryStatus = z.enum(["pending", "succeeded", "failed"]);
export type AlertDeliveryStatus = z.infer<typeof AlertDeliveryStatus>;

export const AlertDeliveryView = z.object({
  id: z.string(),
  ruleId: z.string(),
  /** An AlertEvent, or `alert.suppressed` for a summary. */
  event: z.string(),
  runId: z.string().nullable(),
  function: z.string().nullable(),
  /** For a summary: how many failures it stands for. */
  suppressed: z.number().nullable(),
  status: AlertDeliveryStatus,
  attempts: z.number(),
  /** The receiver's HTTP status at the last attempt (null: no answer). */
  responseStatus: z.number().nullable(),
  /** The start of the receiver's last answer (at most 256 characters). */
  responseBody: z.string().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertDeliveryView = z.infer<typeof AlertDeliveryView>;

export const AlertDeliveriesQuery = z.strictObject({
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ALERT_DELIVERIES_PER_RULE).default(50),
});
export type AlertDeliveriesQuery = z.infer<typeof AlertDeliveriesQuery>;

/** What an alert says about the run that ended (copied into the message: tool runs reach D1 later). */
export const AlertRunFacts = z.object({
  id: z.string().max(64),
  function: FunctionName,
  version: z.number().int(),
  trigger: RunTrigger,
  status: RunStatus,
  error: z.object({ message: z.string(), name: z.string().nullable(), step: z.string().nullable() }).nullable(),
  endedAt: z.number(),
  /** For a run a webhook delivery started: which endpoint and event. */
  webhook: z.object({ endpointId: z.string().max(64), eventId: z.string().max(256) }).nullable(),
});
export type AlertRunFacts = z.infer<typeof AlertRunFacts>;

/** Messages on the `kiln-alerts` queue. */
export const AlertMessage = z.discriminatedUnion("kind", [
  /** A run ended badly and these rules match it (one event per rule). */
  z.object({
    kind: z.literal("event"),
    run: AlertRunFacts,
    rules: z
      .array(z.object({ id: z.string().max(64), event: AlertEvent }))
      .min(1)
      .max(100),
  }),
  /** Another attempt of a stored delivery that had made `attempts` attempts (a duplicate message finds more and does nothing). */
  z.object({ kind: z.literal("send"), deliveryId: z.string().max(64), attempts: z.number().int().min(1) }),
  /** The window of a rule that dropped notifications has closed: send what it dropped as one. */
  z.object({ kind: z.literal("summary"), ruleId: z.string().max(64) }),
]);
export type AlertMessage = z.infer<typeof AlertMessage>;
