/**
 * Schedules: a function run as a job on a cron expression in an IANA time zone. Request bodies and
 * views for /v1/schedules. Imports nothing but zod (and sibling contracts).
 */
import { z } from "zod";
import { FunctionName } from "./functions";
import { RunStatus } from "./runs";

/** Most schedules one function may have. */
export const MAX_SCHEDULES_PER_FUNCTION = 20;

export const OverlapPolicy = z.enum(["skip", "buffer_one", "allow"]);
export type OverlapPolicy = z.infer<typeof OverlapPolicy>;

export const CatchUpPolicy = z.enum(["skip", "latest", "all"]);
export type CatchUpPolicy = z.infer<typeof CatchUpPolicy>;

/** Five fields (minute hour day month weekday); the finest grain is one minute. */
const CronExpression = z.string().trim().min(1).max(200);
const TimeZone = z.string().trim().min(1).max(64);

const ScheduleFields = {
  name: z.string().trim().min(1).max(100),
  cron: CronExpression,
  timezone: TimeZone,
  /** The job's input, checked against the function's input schema. */
  input: z.unknown(),
  overlap: OverlapPolicy,
  catchUp: CatchUpPolicy,
  /** Each slot fires up to this much later (a fixed delay per slot), to spread load. */
  jitterMs: z.number().int().min(0).max(3_600_000),
  /** No slot after this time fires. */
  endAt: z.iso.datetime({ offset: true }).nullable(),
};

export const CreateScheduleRequest = z.strictObject({
  ...ScheduleFields,
  function: FunctionName,
  timezone: TimeZone.default("UTC"),
  input: z.unknown().default({}),
  overlap: OverlapPolicy.default("skip"),
  catchUp: CatchUpPolicy.default("latest"),
  jitterMs: ScheduleFields.jitterMs.default(0),
  endAt: ScheduleFields.endAt.optional().default(null),
});
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequest>;

/** PATCH: any field but the target function. */
export const UpdateScheduleRequest = z.strictObject(ScheduleFields).partial();
export type UpdateScheduleRequest = z.infer<typeof UpdateScheduleRequest>;

/** GET /v1/schedules: oldest first, `nextCursor` names the page after this one. */
export const ListSchedulesQuery = z.strictObject({
  function: z.string().max(64).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export type ListSchedulesQuery = z.infer<typeof ListSchedulesQuery>;

export const PreviewQuery = z.strictObject({
  cron: CronExpression,
  tz: TimeZone.default("UTC"),
  count: z.coerce.number().int().min(1).max(100).default(5),
});
export type PreviewQuery = z.infer<typeof PreviewQuery>;

export const ScheduleRunView = z.object({
  id: z.string(),
  status: RunStatus,
  /** `schedule` for a slot, `manual` for POST /v1/schedules/:id/trigger. */
  trigger: z.string(),
  createdAt: z.string(),
  url: z.string(),
});
export type ScheduleRunView = z.infer<typeof ScheduleRunView>;

export const ScheduleView = z.object({
  id: z.string(),
  name: z.string(),
  function: z.string(),
  cron: z.string(),
  timezone: z.string(),
  input: z.unknown(),
  overlap: OverlapPolicy,
  catchUp: CatchUpPolicy,
  jitterMs: z.number(),
  endAt: z.string().nullable(),
  paused: z.boolean(),
  /** ISO with the schedule zone's offset; null when paused or ended. */
  nextFireAt: z.string().nullable(),
  lastSlotAt: z.string(),
  /** Slots the overlap or catch-up policy dropped, or that could not start (counted up to 102 per tick). */
  skippedSlots: z.number(),
  /** Its newest run (a slot or run now), or null before the first. */
  lastRun: z.object({ id: z.string(), status: RunStatus, createdAt: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

/** `GET /v1/schedules/:id`: the list item plus its most recent runs. */
export const ScheduleDetail = ScheduleView.extend({
  recentRuns: z.array(ScheduleRunView),
  /** Its runs (slots and run-now) per status, over its newest 10,000 at most (`capped`). */
  counts: z.object({ byStatus: z.record(z.string(), z.number()), capped: z.boolean() }),
});
export type ScheduleDetail = z.infer<typeof ScheduleDetail>;
