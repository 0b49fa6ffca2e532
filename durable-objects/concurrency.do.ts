/**
 * ConcurrencyDO: the per-function limit on running jobs (one object per function name). Runs hold
 * a slot while running; the rest wait in arrival order and are granted slots as others release
 * theirs. Thin: SQLite storage + RPC; every method is idempotent (jobs are delivered at least once).
 * Imports only the Workers runtime.
 */
import { DurableObject } from "cloudflare:workers";

export interface Acquired {
  granted: boolean;
  /** 1-based place in the wait list when not granted. */
  position: number;
}

export interface Line {
  /** The limit last given by a job of this function (null before any). */
  limit: number | null;
  running: string[];
  waiting: string[];
}

export class ConcurrencyDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("create table if not exists slots (run_id text primary key, state text not null, seq integer not null)");
  }

  private count(state: "running" | "waiting"): number {
    return this.ctx.storage.sql.exec<{ n: number }>("select count(*) as n from slots where state = ?", state).one().n;
  }

  private nextSeq(): number {
    return this.ctx.storage.sql.exec<{ s: number }>("select coalesce(max(seq), 0) + 1 as s from slots").one().s;
  }

  /**
   * The limit is remembered so that whoever releases a slot need not know it: the DLQ consumer,
   * the sweep and a function's deletion may find the run's version gone.
   */
  private limit(given?: number): number {
    if (given !== undefined) this.ctx.storage.kv.put("limit", given);
    return this.ctx.storage.kv.get<number>("limit") ?? 1;
  }

  /** Joins the line (once): called when a job is accepted, so the line keeps the order of acceptance. */
  join(runId: string, limit?: number): void {
    if (limit !== undefined) this.limit(limit);
    this.ctx.storage.sql.exec("insert or ignore into slots (run_id, state, seq) values (?, 'waiting', ?)", runId, this.nextSeq());
  }

  /** Takes a slot if one is free and nobody waits ahead; otherwise joins (or stays in) the line. */
  acquire(runId: string, limit: number): Acquired {
    return this.ctx.storage.transactionSync(() => {
      const row = this.ctx.storage.sql
        .exec<{ state: string; seq: number }>("select state, seq from slots where run_id = ?", runId)
        .toArray()[0];
      if (row?.state === "running") return { granted: true, position: 0 };
      if (!row) this.ctx.storage.sql.exec("insert into slots (run_id, state, seq) values (?, 'waiting', ?)", runId, this.nextSeq());
      this.promote(this.limit(limit));
      const now = this.ctx.storage.sql.exec<{ state: string; seq: number }>("select state, seq from slots where run_id = ?", runId).one();
      if (now.state === "running") return { granted: true, position: 0 };
      const ahead = this.ctx.storage.sql
        .exec<{ n: number }>("select count(*) as n from slots where state = 'waiting' and seq < ?", now.seq)
        .one().n;
      return { granted: false, position: ahead + 1 };
    });
  }

  /**
   * Frees runs' slots (or places in line) and returns the runs that were granted slots. Without a
   * limit, the one remembered from the last join or acquire applies.
   */
  release(runIds: string | string[], limit?: number): string[] {
    return this.ctx.storage.transactionSync(() => {
      for (const id of typeof runIds === "string" ? [runIds] : runIds) this.ctx.storage.sql.exec("delete from slots where run_id = ?", id);
      return this.promote(this.limit(limit));
    });
  }

  /** Empties the line (the function was deleted): a function deployed later under the name starts clean. */
  clear(): void {
    this.ctx.storage.sql.exec("delete from slots");
    this.ctx.storage.kv.delete("limit");
  }

  /** Grants free slots to the longest-waiting runs. */
  private promote(limit: number): string[] {
    const free = limit - this.count("running");
    if (free <= 0) return [];
    const next = this.ctx.storage.sql
      .exec<{ run_id: string }>("select run_id from slots where state = 'waiting' order by seq limit ?", free)
      .toArray()
      .map((r) => r.run_id);
    for (const id of next) this.ctx.storage.sql.exec("update slots set state = 'running' where run_id = ?", id);
    return next;
  }

  snapshot(): Line {
    const rows = this.ctx.storage.sql.exec<{ run_id: string; state: string }>("select run_id, state from slots order by seq").toArray();
    return {
      limit: this.ctx.storage.kv.get<number>("limit") ?? null,
      running: rows.filter((r) => r.state === "running").map((r) => r.run_id),
      waiting: rows.filter((r) => r.state === "waiting").map((r) => r.run_id),
    };
  }
}
