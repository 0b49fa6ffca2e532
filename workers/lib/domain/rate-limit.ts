/**
 * The token bucket behind rate limits: up to `requests` calls in a burst, refilled evenly at
 * `requests` per `perSeconds`. Pure (the clock is passed in); imports only contract types.
 */
import type { RateLimit } from "../contracts/functions";

export interface Bucket {
  /** Tokens left (fractional while refilling). */
  tokens: number;
  /** When `tokens` was computed (epoch ms). */
  at: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Whole calls left right now, after this one. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** When refused: seconds until one call is allowed (at least 1). 0 when allowed. */
  retryAfterSeconds: number;
  bucket: Bucket;
}

/** Takes one token from `bucket` (a new bucket is full) if one is there. */
export function takeToken(bucket: Bucket | null, limit: RateLimit, now: number): RateDecision {
  const perMs = limit.requests / (limit.perSeconds * 1000);
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  // A limit lowered since the bucket was filled caps it at once.
  const available = bucket ? Math.min(limit.requests, bucket.tokens + elapsed * perMs) : limit.requests;
  const allowed = available >= 1;
  const tokens = allowed ? available - 1 : available;
  const secondsUntil = (target: number) => Math.max(0, Math.ceil((target - tokens) / perMs / 1000));
  return {
    allowed,
    limit: limit.requests,
    remaining: Math.floor(tokens),
    resetSeconds: secondsUntil(limit.requests),
    retryAfterSeconds: allowed ? 0 : Math.max(1, secondsUntil(1)),
    bucket: { tokens, at: now },
  };
}
