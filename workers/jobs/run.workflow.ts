/**
 * Durable job runs (filled in by the jobs feature).
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

export class RunWorkflow extends WorkflowEntrypoint<Env, unknown> {
  override async run(_event: WorkflowEvent<unknown>, _step: WorkflowStep): Promise<unknown> {
    return null;
  }
}
