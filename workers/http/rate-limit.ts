/**
 * Rate limits on calling a function (tool calls and job starts): the function's own limit
 * (`fn:<name>`) and the limit of the API key behind the credential (`key:<id>`, shared by the
 * key's tokens and sessions). Only a limited function or key costs a Durable Object call; the
 * admin key has no limit. A refused call throws 429 before anything reaches the function.
 */
import type { Context } from "hono";
import type { RateLimit } from "../lib/contracts/functions";
import type { RateDecision } from "../lib/domain/rate-limit";
import { AppError } from "./errors";
import type { AppEnv } from "./types";

/** IETF draft `RateLimit-*` fields (draft-ietf-httpapi-ratelimit-headers), in seconds. */
function headersOf(d: RateDecision): Record<string, string> {
  return { "ratelimit-limit": String(d.limit), "ratelimit-remaining": String(d.remaining), "ratelimit-reset": String(d.resetSeconds) };
}

async function take(c: Context<AppEnv>, bucket: string, limit: RateLimit, what: string): Promise<RateDecision> {
  const d = await c.env.RATE_LIMIT.getByName(bucket).take(limit);
  if (!d.allowed) {
    throw new AppError(
      "rate_limited",
      429,
      `${what} allows ${limit.requests} calls per ${limit.perSeconds} s; retry in ${d.retryAfterSeconds} s`,
      {
        headers: { "retry-after": String(d.retryAfterSeconds), ...headersOf(d) },
      },
    );
  }
  return d;
}

/**
 * The public OAuth endpoints that store something (client registration; an authorization request,
 * which starts a consent transaction) get a bucket per address: one caller cannot fill the store
 * or use up its writes for everyone.
 */
export const ADDRESS_LIMITS = {
  register: { limit: { requests: 20, perSeconds: 3600 }, what: "client registration from one address" },
  authorize: { limit: { requests: 60, perSeconds: 600 }, what: "authorization requests from one address" },
} satisfies Record<string, { limit: RateLimit; what: string }>;

export async function enforceAddressLimit(c: Context<AppEnv>, kind: keyof typeof ADDRESS_LIMITS): Promise<void> {
  const ip = c.req.header("cf-connecting-ip") ?? "unknown";
  const { limit, what } = ADDRESS_LIMITS[kind];
  await take(c, `oauth-${kind}:${ip}`, limit, what);
}

/** Takes one call from the key's bucket, then the function's; throws 429 when either is empty. */
export async function enforceRateLimits(c: Context<AppEnv>, fn: string, fnLimit: RateLimit | null): Promise<void> {
  const { keyId, rateLimit: keyLimit } = c.get("principal");
  if (!fnLimit && !keyLimit) return;
  // The key first: a caller over its own limit does not use up the function's bucket for others.
  const decisions = [
    keyLimit ? await take(c, `key:${keyId}`, keyLimit, "this credential's key") : null,
    fnLimit ? await take(c, `fn:${fn}`, fnLimit, `function "${fn}"`) : null,
  ];
  const tightest = decisions.filter((d) => d !== null).sort((a, b) => a.remaining - b.remaining)[0];
  if (tightest) for (const [name, value] of Object.entries(headersOf(tightest))) c.header(name, value);
}
