/**
 * Pure slot logic for schedules: which cron slots are due at a tick, what the catch-up and overlap
 * policies make of them, deterministic jitter, and the next fire time. The clock is passed in.
 * Imports croner only (checked in workerd across the 2026 DST changes: platform notes §13).
 */
import { Cron } from "croner";

/**
 * The idempotency key of a schedule's run: `sched:<id>:<slot ISO>` for a slot (one run per slot),
 * `sched:<id>:now:<unique>` for a manual trigger. The run carries its schedule only through it.
 */
export const scheduleRunKey = (scheduleId: string, slot: string) => `sched:${scheduleId}:${slot}`;

/** The schedule (and slot, null for a manual trigger) a run's idempotency key names, if any. */
export function scheduleOfRunKey(key: string | null): { id: string; slot: string | null } | null {
  const m = key?.match(/^sched:([^:]+):(.+)$/);
  if (!m?.[1] || !m[2]) return null;
  return { id: m[1], slot: m[2].startsWith("now:") ? null : m[2] };
}

export type OverlapPolicy = "skip" | "buffer_one" | "allow";
export type CatchUpPolicy = "skip" | "latest" | "all";

/** `all` fires at most this many missed slots; older ones are dropped. */
export const MAX_CATCH_UP = 100;
/** One cron tick: a slot due less than this long ago counts as on time, not missed. */
export const TICK_MS = 60_000;

export type CronCheck = { ok: true; cron: Cron } | { ok: false; reason: "bad_zone" | "bad_cron"; message: string };

/** Whether `tz` is an IANA zone this runtime knows (a bad zone makes Intl throw a RangeError). */
export function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses a 5-field expression in a zone; the finest grain is one minute (no seconds field). */
export function parseCron(expr: string, tz: string): CronCheck {
  if (!isValidZone(tz)) return { ok: false, reason: "bad_zone", message: `"${tz}" is not an IANA time zone (e.g. Europe/Berlin)` };
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) {
    return {
      ok: false,
      reason: "bad_cron",
      message: `a cron expression has 5 fields (minute hour day month weekday); got ${fields.length}`,
    };
  }
  let cron: Cron;
  try {
    // `paused` so croner never arms a timer of its own: Kiln only asks it for dates.
    cron = new Cron(expr.trim(), { timezone: tz, paused: true, mode: "5-part" });
  } catch (e) {
    return { ok: false, reason: "bad_cron", message: `invalid cron expression: ${(e as Error).message}` };
  }
  // Valid fields can still name no date at all (February 31st).
  if (cron.nextRun() === null) return { ok: false, reason: "bad_cron", message: "this cron expression never fires" };
  return { ok: true, cron };
}

/** The next `count` slots strictly after `from`. */
export function nextSlots(cron: Cron, from: number, count: number): number[] {
  return cron.nextRuns(count, new Date(from)).map((d) => d.getTime());
}

/** An ISO 8601 time with the zone's offset at that instant, e.g. `2026-03-29T09:00:00+02:00`. */
export function isoInZone(ms: number, tz: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "longOffset",
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const offset = get("timeZoneName").replace("GMT", "") || "+00:00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}${offset === "Z" ? "+00:00" : offset}`;
}

/**
 * A delay in [0, jitterMs) fixed per schedule and slot (FNV-1a), so that a tick run twice computes
 * the same due time for a slot and never fires it on one run and skips it on the other.
 */
export function jitterFor(scheduleId: string, slot: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  let h = 0x811c9dc5;
  for (const ch of `${scheduleId}:${slot}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % jitterMs;
}

export interface ScheduleState {
  id: string;
  cron: Cron;
  catchUp: CatchUpPolicy;
  overlap: OverlapPolicy;
  jitterMs: number;
  endAt: number | null;
  /** The newest slot already dealt with (fired or skipped); slots after it are candidates. */
  lastSlotAt: number;
  /** buffer_one: a slot held back while the previous run was live. */
  pendingSlotAt: number | null;
}

export interface TickPlan {
  /** Slots to start now, oldest first. */
  fire: number[];
  lastSlotAt: number;
  pendingSlotAt: number | null;
  /** When the next tick must look at this schedule again; null when it has ended. */
  nextFireAt: number | null;
  /** Slots dropped by this tick (catch-up, overlap, a held slot replaced); at most MAX_CATCH_UP + 2. */
  skipped: number;
}

/**
 * Slots in (lastSlotAt, now] whose jittered due time has come, oldest first, at most MAX_CATCH_UP + 1.
 * Walked forward from lastSlotAt and stopped at now (or after MAX_CATCH_UP + 1), so a sparse
 * expression (`0 0 29 2 *`) costs a few steps, never a walk over centuries.
 */
export function dueSlots(s: ScheduleState, now: number): number[] {
  const upTo = s.endAt === null ? now : Math.min(now, s.endAt);
  if (upTo <= s.lastSlotAt) return [];
  let found: number[] = [];
  for (let d = s.cron.nextRun(new Date(s.lastSlotAt)); d && d.getTime() <= upTo && found.length <= MAX_CATCH_UP; d = s.cron.nextRun(d)) {
    found.push(d.getTime());
  }
  if (found.length > MAX_CATCH_UP) {
    // More missed than kept: the newest ones, which lie close to upTo (the slots are dense).
    found = s.cron
      .previousRuns(MAX_CATCH_UP + 1, new Date(upTo + 1000))
      .map((d) => d.getTime())
      .filter((t) => t > s.lastSlotAt && t <= upTo)
      .sort((a, b) => a - b);
  }
  return found.filter((t) => t + jitterFor(s.id, t, s.jitterMs) <= now);
}

/** The first slot after `after` (jittered), or null past endAt or when the expression never fires again. */
export function nextFireAt(s: Pick<ScheduleState, "id" | "cron" | "jitterMs" | "endAt">, after: number): number | null {
  const next = s.cron.nextRun(new Date(after))?.getTime() ?? null;
  if (next === null || (s.endAt !== null && next > s.endAt)) return null;
  return next + jitterFor(s.id, next, s.jitterMs);
}

/** What the catch-up policy keeps of the due slots: missed ones are all but an on-time newest. */
export function applyCatchUp(due: number[], policy: CatchUpPolicy, now: number, s: Pick<ScheduleState, "id" | "jitterMs">): number[] {
  const newest = due.at(-1);
  if (newest === undefined) return [];
  if (policy === "all") return due.slice(-MAX_CATCH_UP);
  if (policy === "latest") return [newest];
  const onTime = now - (newest + jitterFor(s.id, newest, s.jitterMs)) < TICK_MS;
  return onTime ? [newest] : [];
}

/**
 * One tick for one schedule. `live`: a run this schedule started is still going. With `skip` the
 * slots are dropped; with `buffer_one` the newest is held and fired at the first tick after the
 * run ends (the schedule is then looked at every minute); `allow` ignores the live run.
 */
export function planTick(s: ScheduleState, now: number, live: boolean): TickPlan {
  const due = dueSlots(s, now);
  const lastSlotAt = due.at(-1) ?? s.lastSlotAt;
  let fire = applyCatchUp(due, s.catchUp, now, s);
  let pendingSlotAt = s.overlap === "buffer_one" ? s.pendingSlotAt : null;
  if (live && s.overlap !== "allow") {
    if (s.overlap === "buffer_one" && fire.length > 0) pendingSlotAt = fire.at(-1) ?? null;
    fire = [];
  } else if (pendingSlotAt !== null) {
    fire = [pendingSlotAt, ...fire.filter((t) => t !== pendingSlotAt)].slice(0, 1 + MAX_CATCH_UP);
    pendingSlotAt = null;
  }
  // Slots up to lastSlotAt are dealt with; a later one may be past but still inside its jitter.
  let next = nextFireAt(s, lastSlotAt);
  if (pendingSlotAt !== null) next = Math.min(next ?? Number.POSITIVE_INFINITY, now + TICK_MS);
  const held = s.overlap === "buffer_one" && s.pendingSlotAt !== null ? [s.pendingSlotAt] : [];
  const kept = new Set(pendingSlotAt === null ? fire : [...fire, pendingSlotAt]);
  const skipped = new Set([...held, ...due].filter((t) => !kept.has(t))).size;
  return { fire, lastSlotAt, pendingSlotAt, nextFireAt: next, skipped };
}
