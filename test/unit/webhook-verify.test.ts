// The pure verifier, with the clock passed in: the Standard Webhooks spec's published example
// (signed in 2021, so only checkable with `now` injected), the tolerance edges, and event filters.
import { describe, expect, it } from "vitest";
import { matchesFilter, parsePayload, verifyDelivery } from "../../workers/lib/domain/webhook-verify";

const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

function specDelivery(o: { now?: number; signature?: string; payload?: string; secrets?: string[] } = {}) {
  const headers: Record<string, string> = {
    "webhook-id": SPEC.id,
    "webhook-timestamp": SPEC.timestamp,
    "webhook-signature": o.signature ?? SPEC.signature,
  };
  return verifyDelivery({
    provider: "standard",
    hmac: null,
    header: (n) => headers[n] ?? null,
    body: new TextEncoder().encode(o.payload ?? SPEC.payload),
    secrets: o.secrets ?? [SPEC.secret],
    now: o.now ?? Number(SPEC.timestamp) * 1000,
    toleranceSeconds: 300,
  });
}

describe("Standard Webhooks spec example", () => {
  it("verifies the published signature at its own time", async () => {
    expect(await specDelivery()).toEqual({ ok: true });
  });

  it("accepts it among other signatures, and with the secret second in a rotation", async () => {
    expect(await specDelivery({ signature: `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${SPEC.signature}` })).toEqual({ ok: true });
    expect(await specDelivery({ secrets: ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SPEC.secret] })).toEqual({ ok: true });
  });

  it("rejects it 301 s late or early, with a changed byte, or with another secret", async () => {
    const t = Number(SPEC.timestamp) * 1000;
    expect(await specDelivery({ now: t + 300_000 })).toEqual({ ok: true });
    expect(await specDelivery({ now: t + 301_000 })).toEqual({ ok: false, reason: "timestamp_out_of_tolerance" });
    expect(await specDelivery({ now: t - 301_000 })).toEqual({ ok: false, reason: "timestamp_out_of_tolerance" });
    expect(await specDelivery({ payload: '{"test": 2432232315}' })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await specDelivery({ secrets: ["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await specDelivery({ signature: "v1,not base64!" })).toEqual({ ok: false, reason: "malformed_header" });
  });
});

describe("event filters", () => {
  it("matches exact types and prefixes ending in *", () => {
    expect(matchesFilter(null, "anything")).toBe(true);
    expect(matchesFilter(["payment_intent.*"], "payment_intent.succeeded")).toBe(true);
    expect(matchesFilter(["payment_intent.*"], "checkout.session.completed")).toBe(false);
    expect(matchesFilter(["issues"], "issues")).toBe(true);
    expect(matchesFilter(["issues"], "issue_comment")).toBe(false);
    expect(matchesFilter(["*"], "push")).toBe(true);
    expect(matchesFilter(["issues"], null)).toBe(false);
  });
});

describe("payloads", () => {
  it("parses JSON, keeps other text, and keeps too deeply nested JSON as text", () => {
    expect(parsePayload('{"a":[1]}')).toEqual({ a: [1] });
    expect(parsePayload("a=1&b=2")).toBe("a=1&b=2");
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    expect(parsePayload(deep)).toBe(deep);
  });
});
