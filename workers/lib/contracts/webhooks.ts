/**
 * Webhook endpoints and their deliveries: requests and views. A signing secret is write-only: only
 * the responses to creation and rotation carry it. Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName } from "./functions";

export const WebhookProvider = z.enum(["stripe", "github", "standard", "hmac"]);
export type WebhookProvider = z.infer<typeof WebhookProvider>;

/** Header names as HTTP sends them (case-insensitive; kept lower-case). */
const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an HTTP header name")
  .transform((h) => h.toLowerCase());

/** The generic scheme: HMAC of the raw body (or of `<timestamp>.<body>` when a timestamp header is set). */
export const HmacScheme = z.strictObject({
  header: HeaderName,
  algorithm: z.enum(["sha256", "sha1"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  /** Text before the signature in the header, e.g. `sha256=`. */
  prefix: z.string().max(32).default(""),
  timestampHeader: HeaderName.optional(),
  /** Header carrying the sender's event id (for dedupe); without it the body's SHA-256 is the id. */
  idHeader: HeaderName.optional(),
  /** Header carrying the event type; without it the JSON body's `type` field is used. */
  typeHeader: HeaderName.optional(),
});
export type HmacScheme = z.infer<typeof HmacScheme>;

/** `payment_intent.*`, `issues`, `*`: an exact type, or a prefix ending in `*`. */
export const EventPattern = z
  .string()
  .regex(/^[A-Za-z0-9_.:/-]{0,99}\*?$/, "must be an event type, optionally ending in *")
  .min(1);

export const MAX_WEBHOOK_SECRET_CHARS = 512;
export const WebhookSecret = z.string().min(16, "use at least 16 characters").max(MAX_WEBHOOK_SECRET_CHARS);

/** `whsec_<base64>` (the prefix is optional), as Standard Webhooks senders hand them out. */
export const isStandardSecret = (s: string) => /^(whsec_)?(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s);

export const CreateWebhookRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    provider: WebhookProvider,
    function: FunctionName,
    /** The provider's signing secret; omitted: Kiln generates one (returned once). */
    secret: WebhookSecret.optional(),
    events: z.array(EventPattern).min(1).max(50).nullable().default(null),
    /** Accepted clock skew for timestamped schemes, in seconds. */
    toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
    hmac: HmacScheme.optional(),
    enabled: z.boolean().default(true),
  })
  .refine((r) => (r.provider === "hmac") === (r.hmac !== undefined), {
    message: "`hmac` is required for the hmac provider and only allowed there",
    path: ["hmac"],
  })
  // Stripe makes the secret (dashboard or `stripe listen`): one Kiln invented would match nothing.
  .refine((r) => r.provider !== "stripe" || r.secret !== undefined, {
    message: "give the endpoint's signing secret from Stripe (whsec_…)",
    path: ["secret"],
  })
  .refine((r) => r.provider !== "standard" || r.secret === undefined || isStandardSecret(r.secret), {
    message: "a Standard Webhooks secret is `whsec_` followed by base64",
    path: ["secret"],
  });
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

export const UpdateWebhookRequest = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  function: FunctionName.optional(),
  events: z.array(EventPattern).min(1).max(50).nullable().optional(),
  toleranceSeconds: z.number().int().min(1).max(86_400).optional(),
  hmac: HmacScheme.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookRequest = z.infer<typeof UpdateWebhookRequest>;

export const RotateWebhookRequest = z.strictObject({
  /** The new secret; omitted: Kiln generates one (returned once). */
  secret: WebhookSecret.optional(),
  /** How long the secrets active until now stay valid, in seconds (0: they stop now). */
  previousExpiresInSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400),
});
export type RotateWebhookRequest = z.infer<typeof RotateWebhookRequest>;

/** A signing secret's metadata (never its value). */
export const WebhookSecretView = z.object({ id: z.string(), createdAt: z.string(), expiresAt: z.string().nullable() });

export const WebhookView = z.object({
  id: z.string(),
  name: z.string(),
  provider: WebhookProvider,
  function: z.string(),
  /** Where the provider must send deliveries. */
  url: z.string(),
  events: z.array(z.string()).nullable(),
  toleranceSeconds: z.number(),
  hmac: HmacScheme.nullable(),
  enabled: z.boolean(),
  secrets: z.array(WebhookSecretView),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof WebhookView>;

/** The responses to creation and rotation: the only ones carrying a secret. */
export const WebhookWithSecret = WebhookView.extend({ secret: z.string() });
export type WebhookWithSecret = z.infer<typeof WebhookWithSecret>;

export const DeliveryStatus = z.enum(["rejected", "accepted", "filtered", "processed", "failed"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryView = z.object({
  id: z.string(),
  endpointId: z.string(),
  status: DeliveryStatus,
  /** Why it was rejected, or why it could not start a run. */
  reason: z.string().nullable(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  runId: z.string().nullable(),
  receivedAt: z.string(),
  headers: z.record(z.string(), z.string()),
  /** The body: JSON when it is JSON, else text; null for rejected deliveries (not kept). */
  payload: z.unknown(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const DeliveriesQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DeliveriesQuery = z.infer<typeof DeliveriesQuery>;

/** The input a webhook job receives. */
export interface WebhookJobInput {
  provider: WebhookProvider;
  endpoint: string;
  event: { id: string; type: string | null; receivedAt: string; headers: Record<string, string>; payload: unknown };
}

/** The queue message that starts a stored delivery's job after the acknowledgement. */
export const DeliveryStartMessage = z.strictObject({ deliveryId: z.string().min(1).max(64) });
export type DeliveryStartMessage = z.infer<typeof DeliveryStartMessage>;
