/**
 * RateLimitDO: one token bucket (one object per bucket key, e.g. `fn:<name>` or `key:<id>`).
 * A single object serialises every take, so concurrent calls from any isolate or colo see one
 * count. Thin: SQLite storage + one RPC method; the arithmetic is lib/domain/rate-limit.
 */
import { DurableObject } from "cloudflare:workers";
import { RateLimit } from "../workers/lib/contracts/functions";
import { type Bucket, type RateDecision, takeToken } from "../workers/lib/domain/rate-limit";

export class RateLimitDO extends DurableObject<Env> {
  private bucket: Bucket | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "create table if not exists bucket (id integer primary key check (id = 1), tokens real not null, at integer not null)",
    );
    this.bucket = ctx.storage.sql.exec<{ tokens: number; at: number }>("select tokens, at from bucket").toArray()[0] ?? null;
  }

  /** Takes one call from the bucket under `limit` (the caller's current configuration). */
  take(limit: RateLimit): RateDecision {
    const decision = takeToken(this.bucket, RateLimit.parse(limit), Date.now());
    this.bucket = decision.bucket;
    this.ctx.storage.sql.exec(
      "insert into bucket (id, tokens, at) values (1, ?, ?) on conflict (id) do update set tokens = excluded.tokens, at = excluded.at",
      decision.bucket.tokens,
      decision.bucket.at,
    );
    return decision;
  }
}
