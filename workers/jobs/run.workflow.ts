/**
 * RunWorkflow: one durable job run. Waits for a concurrency slot if the function has a limit,
 * then loads the pinned code version into its isolate and drives it through a JobDriver, so
 * every ctx.step is a Workflow step. Ends by writing the run and its trace to D1 and releasing
 * the slot. When the engine replays run() (restart, crash, redeploy), completed steps return
 * their recorded results and are not executed again.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { noteRunEnded, runFacts } from "../alerts/note-run-ended";
import { JobParams } from "../lib/contracts/jobs";
import type { RunError, RunStatus } from "../lib/contracts/runs";
import { capTrace } from "../lib/domain/trace-caps";
import { database, getActiveFunction } from "../lib/infra/db/functions.repo";
import { finishDurableRun, markRunStarted } from "../lib/infra/db/runs.repo";
import { getPayload, payloadKey, storePayload } from "../lib/infra/payloads";
import { failedBeforeRun, invokeFunction, type Outcome } from "../runtime/invoke";
import { loadFunction, storedCode } from "../runtime/loader";
import { StepSpans } from "../runtime/run-channel";
import { allowLocalEgress, runConfig } from "../runtime/run-config";
import { cancelChildren, notifyParent } from "./end-job";
import { ChildJobs } from "./invoke-child";
import { isEngineAbort, JobDriver } from "./job-driver";
import { releaseSlot, SLOT_EVENT } from "./slots";

const SLOT_RECHECK = "30 seconds";

export class RunWorkflow extends WorkflowEntrypoint<Env, JobParams> {
  override async run(event: WorkflowEvent<JobParams>, step: WorkflowStep): Promise<{ status: RunStatus }> {
    const params = JobParams.parse(event.payload);
    const job = this.env.JOB.getByName(params.runId);
    if (params.concurrency !== null) await this.waitForSlot(params, params.concurrency, step);
    const db = database(this.env.DB);
    // Read on every pass of run(), never stored in the engine: a rotated secret or a changed
    // variable reaches a resumed job too (variables through the same 5-second cache as tool
    // calls). Read while the start is recorded (neither needs the other).
    const config = getActiveFunction(db, params.functionName).then((fn) =>
      runConfig(this.env, db, { name: params.functionName, secrets: params.secrets, env: fn?.env ?? {} }, (w) => this.ctx.waitUntil(w)),
    );
    config.catch(() => {}); // awaited below; not an unhandled rejection if the start step throws first
    const input = readJobInput(this.env.PAYLOADS, params);
    input.catch(() => {});
    // Not a Workflow step (a step costs the engine a write before the function can start): the
    // job's Durable Object keeps the first start, so a replay of run() gets the same deadline.
    // The row follows without being waited for: its update applies only to a queued row, so it
    // cannot undo a later status, and the finish writes the start time again if it was lost.
    const now = Date.now();
    this.ctx.waitUntil(
      markRunStarted(db, params.runId, now).catch((e: unknown) =>
        console.warn(JSON.stringify({ msg: "could not mark the run started", runId: params.runId, error: String(e) })),
      ),
    );
    const { startedAt, deadline } = await job.begin(params.runId, now, params.jobTimeoutMs);
    const loaded = await config;
    const given = await input;
    const stepSpans = new StepSpans();
    const children = new ChildJobs(this.env, db, (w) => this.ctx.waitUntil(w), params);
    const redactor = loaded.ok ? loaded.config.redactor : null;
    const reuse = params.reusing ? await job.reusable() : params.reuse;
    const driver = new JobDriver(step, job, { ...params, reuse }, deadline, stepSpans, redactor, db, children, this.env.PAYLOADS);
    const isolate = loadFunction(
      this.env.LOADER,
      { id: params.versionId, functionName: params.functionName, versionNumber: params.versionNumber, manifest: { egress: params.egress } },
      storedCode(db, params.versionId),
    );
    const outcome = !loaded.ok
      ? failedBeforeRun(loaded.error)
      : !given.ok
        ? failedBeforeRun(given.error)
        : await invokeFunction(
            isolate,
            given.value,
            {
              runId: params.runId,
              trigger: params.trigger,
              schedule: params.schedule,
              attempt: 1,
              functionName: params.functionName,
              versionNumber: params.versionNumber,
              timeoutMs: Math.max(1, deadline - Date.now()),
              config: loaded.config,
              egress: params.egress,
              allowLocalEgress: allowLocalEgress(this.env),
            },
            driver,
            stepSpans,
          );
    // The engine is replaying this run() elsewhere: leave everything to that replay.
    if (driver.aborted) throw driver.aborted;
    const final = finalResult(outcome, driver);
    await step.do("kiln:finish", async () => {
      // Steps and what ran inside them come from the job's record; the rest from this run() pass.
      const recorded = await job.recordedTrace();
      const trace = capTrace({
        steps: recorded.steps,
        logs: [...recorded.logs, ...outcome.trace.logs].sort((a, b) => a.at - b.at),
        spans: [...recorded.spans, ...outcome.trace.spans].sort((a, b) => a.startedAt - b.startedAt),
      });
      // A parent that invoked this run reads its whole output from here (D1 keeps a preview of a large one).
      if (params.tree?.parentRunId && outcome.status === "succeeded") await job.keepOutput(outcome.output);
      // Over 64 KiB the row keeps a marker and R2 the whole output (put again, the same, if this step is retried).
      const output = final.output === null ? null : await storePayload(this.env.PAYLOADS, payloadKey(params.runId, "output"), final.output);
      const endedAt = Date.now();
      await finishDurableRun(db, { id: params.runId, functionName: params.functionName }, { ...final, output, startedAt, endedAt }, trace);
      await job.setStatus(final.status);
      await noteRunEnded(this.env, db, runFacts({ ...params, input: given.ok ? given.value : null, id: params.runId, ...final, endedAt }));
      if (params.concurrency !== null) await releaseSlot(this.env, params.functionName, params.runId, params.concurrency);
      // No child outlives its parent (a Promise.all that rejected early leaves siblings running).
      // Only a function whose manifest lists others can have any (ctx.invoke refuses other names).
      if (params.invokes.length > 0) await cancelChildren(this.env, db, params.runId, final.status);
      if (params.tree?.parentRunId) await notifyParent(this.env, params.tree.parentRunId, params.runId);
    });
    return { status: final.status };
  }

  /** Takes a slot, or waits in line: woken by a release event, re-checking now and then in case one was missed. */
  private async waitForSlot(params: JobParams, limit: number, step: WorkflowStep): Promise<void> {
    const limiter = this.env.LIMITER.getByName(params.functionName);
    for (let round = 0; ; round++) {
      const acquired = await step.do(`kiln:slot ${round}`, async () => {
        const { granted, position } = await limiter.acquire(params.runId, limit);
        return { granted, position };
      });
      if (acquired.granted) return;
      try {
        await step.waitForEvent(`kiln:slot-free ${round}`, { type: SLOT_EVENT, timeout: SLOT_RECHECK });
      } catch (error) {
        if (isEngineAbort(error)) throw error;
      }
    }
  }
}

/**
 * The job's input: from its params, or over 64 KiB from the R2 object they name (read on every pass
 * of run(); the object lives as long as the run). A missing object fails the run, saying so.
 */
async function readJobInput(bucket: R2Bucket, params: JobParams): Promise<{ ok: true; value: unknown } | { ok: false; error: RunError }> {
  if (params.inputKey === null) return { ok: true, value: params.input };
  const text = await getPayload(bucket, params.inputKey);
  if (text !== null) return { ok: true, value: JSON.parse(text) };
  return { ok: false, error: { message: "the job's input is no longer stored", name: "InputMissing", step: null, retryable: false } };
}

function finalResult(outcome: Outcome, driver: JobDriver): { status: RunStatus; output: string | null; error: RunError | null } {
  switch (outcome.status) {
    case "succeeded":
      return { status: "succeeded", output: outcome.output, error: null };
    case "invalid_input":
      return { status: "failed", output: null, error: outcome.error };
    default: {
      const nonRetriable = driver.lastFailure?.step === outcome.error.step && driver.lastFailure?.nonRetriable;
      return {
        status: outcome.status === "timed_out" ? "timed_out" : (driver.stopped ?? "failed"),
        output: null,
        error: { ...outcome.error, retryable: outcome.error.retryable && !nonRetriable },
      };
    }
  }
}
