/**
 * Signing a sample delivery the way each provider would, for an endpoint's "send test event":
 * the exact inverse of ./webhook-verify; and the Standard Webhooks signature of Kiln's own failure
 * alerts. Pure: the clock, the id and the secret are passed in. Imports only contracts.
 */
import type { HmacScheme, WebhookProvider } from "../contracts/webhooks";
import { base64ToBytes, bytesToBase64 as toBase64, bytesToHex as toHex } from "./bytes";

const encoder = new TextEncoder();

async function hmac(hash: "SHA-256" | "SHA-1", key: Uint8Array, text: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(text)));
}

/**
 * `v1,<base64>`: the Standard Webhooks signature of `<id>.<timestamp>.<body>`, keyed by the
 * base64 part of a `whsec_…` secret.
 */
export async function signStandard(secret: string, id: string, timestampSeconds: string, body: string): Promise<string> {
  const key = base64ToBytes(secret.replace(/^whsec_/, ""));
  if (!key) throw new TypeError("a Standard Webhooks secret is base64, optionally prefixed whsec_");
  return `v1,${toBase64(await hmac("SHA-256", key, `${id}.${timestampSeconds}.${body}`))}`;
}

export interface SampleDelivery {
  body: string;
  headers: Record<string, string>;
}

/** A small test event of type `kiln.test` (GitHub: a `ping`), signed with `secret`. */
export async function signSample(
  provider: WebhookProvider,
  scheme: HmacScheme | null,
  secret: string,
  id: string,
  now: number,
): Promise<SampleDelivery> {
  const t = String(Math.floor(now / 1000));
  const ua = { "user-agent": "Kiln-Test-Event/1" };
  if (provider === "stripe") {
    const body = JSON.stringify({ id, object: "event", type: "kiln.test", created: Number(t), data: { object: {} } });
    const v1 = toHex(await hmac("SHA-256", encoder.encode(secret), `${t}.${body}`));
    return { body, headers: { ...ua, "stripe-signature": `t=${t},v1=${v1}` } };
  }
  if (provider === "github") {
    const body = JSON.stringify({ zen: "Sent from Kiln's dashboard.", hook_id: 0 });
    const signature = `sha256=${toHex(await hmac("SHA-256", encoder.encode(secret), body))}`;
    return { body, headers: { ...ua, "x-hub-signature-256": signature, "x-github-delivery": id, "x-github-event": "ping" } };
  }
  const body = JSON.stringify({ type: "kiln.test", timestamp: new Date(now).toISOString(), data: {} });
  if (provider === "standard") {
    const signature = await signStandard(secret, id, t, body);
    return { body, headers: { ...ua, "webhook-id": id, "webhook-timestamp": t, "webhook-signature": signature } };
  }
  const s = scheme ?? { header: "x-signature", algorithm: "sha256", encoding: "hex", prefix: "" };
  const mac = await hmac(s.algorithm === "sha1" ? "SHA-1" : "SHA-256", encoder.encode(secret), s.timestampHeader ? `${t}.${body}` : body);
  const headers: Record<string, string> = { ...ua, [s.header]: `${s.prefix}${s.encoding === "hex" ? toHex(mac) : toBase64(mac)}` };
  if (s.timestampHeader) headers[s.timestampHeader] = t;
  if (s.idHeader) headers[s.idHeader] = id;
  if (s.typeHeader) headers[s.typeHeader] = "kiln.test";
  return { body, headers };
}
