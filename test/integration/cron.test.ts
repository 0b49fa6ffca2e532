// The per-minute cron tick ends jobs that outlived their jobTimeoutMs.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { api, deploy } from "../helpers/api";
import { job, startJob, waitForJob } from "../helpers/jobs";

describe("cron tick", () => {
  it("times out a job that is still waiting past its jobTimeoutMs, and leaves others alone", async () => {
    await deploy(
      "overdue",
      `import { defineFunction, z } from "kiln";
export default defineFunction({ input: z.object({}), jobTimeoutMs: 60_000, concurrency: 1,
  async run(_, ctx) { await ctx.waitForEvent("never", { type: "never" }); return 1; } });`,
    );
    const id = await startJob("overdue", {});
    const next = await startJob("overdue", {});
    await waitForJob(id, (j) => j.status === "waiting");
    const tick = async (at: number) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await tick(Date.now() + 30_000);
    expect((await job(id)).status).toBe("waiting");
    await tick(Date.now() + 120_000);
    expect(await job(id)).toMatchObject({ status: "timed_out", error: { message: "the job ran past its jobTimeoutMs" } });
    // Its slot went to the next job in line.
    await waitForJob(next, (j) => j.status === "waiting");
    const status = await (await env.RUN_WORKFLOW.get(id)).status();
    expect(status.status).toBe("terminated");
    await api(`/v1/jobs/${next}/cancel`, { method: "POST" });
  });
});
