/**
 * Verifying a webhook delivery exactly as each provider documents it, and reading its event id and
 * type. Pure: the clock (`now`, ms) and the secrets are passed in; the raw body is bytes, never
 * re-encoded. WebCrypto's `verify` compares in constant time. Failures are a tagged reason, which
 * the HTTP layer maps to one generic "signature verification failed". Imports only contracts.
 */
import type { HmacScheme, WebhookProvider } from "../contracts/webhooks";
import { base64ToBytes as fromBase64, hexToBytes as fromHex } from "./bytes";
import { nestsDeeperThan } from "./json-limits";

export type VerifyFailure = "missing_header" | "malformed_header" | "timestamp_out_of_tolerance" | "bad_signature";
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export interface DeliveryToVerify {
  provider: WebhookProvider;
  hmac: HmacScheme | null;
  /** Lower-case header name → value. */
  header: (name: string) => string | null;
  body: Uint8Array;
  /** Every secret active now (during a rotation, more than one). */
  secrets: readonly string[];
  now: number;
  toleranceSeconds: number;
}

type Hash = "SHA-256" | "SHA-1";
interface Scheme {
  /** The bytes signed before the body, e.g. `t.` for Stripe. */
  signedPrefix: string;
  signatures: Uint8Array[];
  hash: Hash;
  keyOf: (secret: string) => Uint8Array | null;
}

const encoder = new TextEncoder();
const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason });
const utf8Key = (secret: string) => encoder.encode(secret);

function withinTolerance(timestamp: string, d: DeliveryToVerify): boolean {
  const seconds = Number(timestamp);
  return Math.abs(d.now / 1000 - seconds) <= d.toleranceSeconds;
}

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `<t>.<body>`, HMAC-SHA256 keyed by the whole `whsec_…` text. */
function stripeScheme(d: DeliveryToVerify): Scheme | VerifyFailure {
  const header = d.header("stripe-signature");
  if (header === null) return "missing_header";
  const pairs = header.split(",").map((p) => p.trim().split("="));
  const t = pairs.filter(([k]) => k === "t").map(([, v]) => v ?? "");
  const v1 = pairs.filter(([k, v]) => k === "v1" && v !== undefined).map(([, v]) => fromHex(v ?? ""));
  if (t.length !== 1 || !/^\d{1,12}$/.test(t[0] ?? "") || v1.length === 0 || v1.length > 8) return "malformed_header";
  const signatures = v1.filter((s): s is Uint8Array => s !== null);
  if (signatures.length === 0) return "malformed_header";
  if (!withinTolerance(t[0] ?? "", d)) return "timestamp_out_of_tolerance";
  return { signedPrefix: `${t[0]}.`, signatures, hash: "SHA-256", keyOf: utf8Key };
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body. */
function githubScheme(d: DeliveryToVerify): Scheme | VerifyFailure {
  const header = d.header("x-hub-signature-256");
  if (header === null) return "missing_header";
  const signature = header.startsWith("sha256=") ? fromHex(header.slice(7)) : null;
  if (signature?.length !== 32) return "malformed_header";
  return { signedPrefix: "", signatures: [signature], hash: "SHA-256", keyOf: utf8Key };
}

/** Standard Webhooks: `webhook-signature: v1,<base64> …` over `<id>.<timestamp>.<body>`, keyed by the base64 after `whsec_`. */
function standardScheme(d: DeliveryToVerify): Scheme | VerifyFailure {
  const id = d.header("webhook-id");
  const timestamp = d.header("webhook-timestamp");
  const header = d.header("webhook-signature");
  if (id === null || timestamp === null || header === null) return "missing_header";
  if (!/^[\x21-\x7e]{1,256}$/.test(id) || !/^\d{1,12}$/.test(timestamp)) return "malformed_header";
  const entries = header.split(" ").filter((e) => e !== "");
  if (entries.length === 0 || entries.length > 8) return "malformed_header";
  // Other versions (v1a: asymmetric) are skipped, as the spec asks; only v1 can match.
  const signatures = entries.flatMap((e) => (e.startsWith("v1,") ? [fromBase64(e.slice(3))] : []));
  if (signatures.some((s) => s === null)) return "malformed_header";
  if (!withinTolerance(timestamp, d)) return "timestamp_out_of_tolerance";
  const keyOf = (secret: string) => fromBase64(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return { signedPrefix: `${id}.${timestamp}.`, signatures: signatures.filter((s): s is Uint8Array => s !== null), hash: "SHA-256", keyOf };
}

/** Generic HMAC: a configured header, algorithm, encoding and prefix; optionally `<timestamp>.<body>`. */
function hmacScheme(d: DeliveryToVerify, s: HmacScheme): Scheme | VerifyFailure {
  const header = d.header(s.header);
  const timestamp = s.timestampHeader ? d.header(s.timestampHeader) : null;
  if (header === null || (s.timestampHeader !== undefined && timestamp === null)) return "missing_header";
  if (!header.startsWith(s.prefix)) return "malformed_header";
  const raw = header.slice(s.prefix.length);
  const signature = s.encoding === "hex" ? fromHex(raw) : fromBase64(raw);
  if (!signature || (timestamp !== null && !/^\d{1,12}$/.test(timestamp))) return "malformed_header";
  if (timestamp !== null && !withinTolerance(timestamp, d)) return "timestamp_out_of_tolerance";
  const hash = s.algorithm === "sha1" ? "SHA-1" : "SHA-256";
  return { signedPrefix: timestamp === null ? "" : `${timestamp}.`, signatures: [signature], hash, keyOf: utf8Key };
}

function schemeOf(d: DeliveryToVerify): Scheme | VerifyFailure {
  if (d.provider === "stripe") return stripeScheme(d);
  if (d.provider === "github") return githubScheme(d);
  if (d.provider === "standard") return standardScheme(d);
  return d.hmac ? hmacScheme(d, d.hmac) : "malformed_header";
}

/** Whether one of the signatures is a valid HMAC of the signed bytes under one of the secrets. */
export async function verifyDelivery(d: DeliveryToVerify): Promise<VerifyResult> {
  const scheme = schemeOf(d);
  if (typeof scheme === "string") return fail(scheme);
  const prefix = encoder.encode(scheme.signedPrefix);
  const signed = new Uint8Array(prefix.length + d.body.length);
  signed.set(prefix);
  signed.set(d.body, prefix.length);
  for (const secret of d.secrets) {
    const raw = scheme.keyOf(secret);
    if (!raw || raw.length === 0) continue;
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: scheme.hash }, false, ["verify"]);
    for (const signature of scheme.signatures) {
      if (await crypto.subtle.verify("HMAC", key, signature, signed)) return { ok: true };
    }
  }
  return fail("bad_signature");
}

/**
 * The payload as JSON when it parses, else the text. JSON nested deeper than Kiln accepts anywhere
 * stays text: it would overflow the stack of every later step (job input, structured clone).
 */
export function parsePayload(text: string): unknown {
  if (nestsDeeperThan(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const field = (payload: unknown, name: string): string | null => {
  const value = payload && typeof payload === "object" && !Array.isArray(payload) ? Reflect.get(payload, name) : undefined;
  return typeof value === "string" && value !== "" ? value : null;
};

/** The provider's event id and type, from the headers or the (verified) payload; `id` null means unusable. */
export function eventIdentity(
  provider: WebhookProvider,
  hmac: HmacScheme | null,
  header: (name: string) => string | null,
  payload: unknown,
  bodySha256: string,
): { id: string | null; type: string | null } {
  if (provider === "stripe") return { id: field(payload, "id"), type: field(payload, "type") };
  if (provider === "github") return { id: header("x-github-delivery"), type: header("x-github-event") };
  if (provider === "standard") return { id: header("webhook-id"), type: field(payload, "type") };
  return {
    id: hmac?.idHeader ? header(hmac.idHeader) : bodySha256,
    type: hmac?.typeHeader ? header(hmac.typeHeader) : field(payload, "type"),
  };
}

/** Whether an event type passes an endpoint's filter (`null`: every event). */
export function matchesFilter(patterns: readonly string[] | null, type: string | null): boolean {
  if (patterns === null) return true;
  if (type === null) return false;
  return patterns.some((p) => (p.endsWith("*") ? type.startsWith(p.slice(0, -1)) : type === p));
}
