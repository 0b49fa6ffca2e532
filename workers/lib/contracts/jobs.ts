/**
 * Jobs: starting a durable run, its live state, events, and the internal messages and Workflow
 * params that carry a job from the API to the engine. Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName, RetryPolicy, SecretRequirement } from "./functions";
import { RunStatus, RunTrigger, StepRecord, StepView } from "./runs";

export const StartJobRequest = z.strictObject({
  function: FunctionName,
  input: z.unknown().default({}),
});
export type StartJobRequest = z.infer<typeof StartJobRequest>;

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
  // Schedules key their runs `sched:<id>:<slot>`: a caller's key must not take a slot's place.
  .refine((k) => !k.startsWith("sched:"), "must not start with sched: (reserved for schedules)")
  // ctx.invoke keys its children `invoke:<parent run>:<step>`: a caller must not plant one.
  .refine((k) => !k.startsWith("invoke:"), "must not start with invoke: (reserved for ctx.invoke)");

/** Matches the Workflows rule for event types. */
export const EventType = z
  .string()
  .max(100)
  .regex(/^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/, "letters, digits, '-' and '_', not starting with '-'");

/** An event type a caller may send: Kiln's own (`kiln-…`: wake-ups, slots) are reserved. */
export const PublicEventType = EventType.refine((t) => !t.startsWith("kiln-"), "event types starting with kiln- are reserved");

export const JobEventRequest = z.strictObject({ type: PublicEventType, payload: z.unknown().default(null) });
export type JobEventRequest = z.infer<typeof JobEventRequest>;

export const ReplayRequest = z.strictObject({
  /** Reuse the results of the steps that succeeded in the original run; only later steps run again. */
  fromFailedStep: z.boolean().default(false),
});
export type ReplayRequest = z.infer<typeof ReplayRequest>;

/** What a queue message carries: the run id (everything else is in D1), and for a replay from the failed step, the run whose step results to reuse. */
export const JobStartMessage = z.object({ runId: z.string().min(1).max(64), reuseFrom: z.string().min(1).max(64).optional() });
export type JobStartMessage = z.infer<typeof JobStartMessage>;

/** Workflow params: the code version is pinned here, so a replay always loads the same code. */
export const JobParams = z.object({
  runId: z.string(),
  functionId: z.string(),
  functionName: FunctionName,
  versionId: z.string(),
  versionNumber: z.number().int(),
  trigger: RunTrigger,
  /** The job's input, unless it is over 64 KiB: then `inputKey` names its R2 object (read by each pass of run()). */
  input: z.unknown(),
  inputKey: z.string().nullable().default(null),
  egress: z.array(z.string()),
  /** The secrets the pinned version asks for (names only: values are read per run() pass, never stored here). */
  secrets: z.array(SecretRequirement).default([]),
  retries: RetryPolicy,
  concurrency: z.number().int().nullable(),
  jobTimeoutMs: z.number().int(),
  /** Set when a schedule started the run: its id and the slot (ISO; null for "run now"). */
  schedule: z.object({ id: z.string(), slot: z.string().nullable() }).nullable().default(null),
  /**
   * A replay from the failed step: its Durable Object holds the results to reuse (copied there from
   * the replayed run's before the instance was created), read by each pass of run().
   */
  reusing: z.boolean().default(false),
  /** Step name → result to reuse, as instances created before `reusing` carried them. */
  reuse: z.record(z.string(), z.unknown()).default({}),
  /** Where this run sits in a tree of ctx.invoke calls, and what its root's credential allows. */
  tree: z
    .object({
      parentRunId: z.string().nullable(),
      rootRunId: z.string(),
      depth: z.number().int().min(0),
      allowedFunctions: z.array(z.string()).nullable(),
    })
    .optional(),
  /** The functions the pinned version may call with ctx.invoke. */
  invokes: z.array(FunctionName).default([]),
});
export type JobParams = z.infer<typeof JobParams>;

/** A step attempt as the job records it live: the same shape as in a run's trace. */
export const LiveStep = StepRecord;
export type LiveStep = z.infer<typeof LiveStep>;

/** The live state a job's Durable Object holds. */
export const JobState = z.object({
  runId: z.string(),
  status: RunStatus,
  currentStep: z.string().nullable(),
  waitingFor: z.string().nullable(),
  steps: z.array(LiveStep),
  updatedAt: z.number(),
});
export type JobState = z.infer<typeof JobState>;

/** The live state as GET /v1/jobs/{id}/stream sends it: steps as in a run's trace, ISO times. */
export const JobStateView = JobState.extend({ steps: z.array(StepView), updatedAt: z.string() });
export type JobStateView = z.infer<typeof JobStateView>;
