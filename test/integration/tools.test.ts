import { describe, expect, it } from "vitest";
import { api, deploy, expectProblem, json, waitForRun } from "../helpers/api";

const ECHO = `
import { defineFunction, z } from "kiln";

export default defineFunction({
  description: "Echo a message, upper-cased",
  input: z.object({ message: z.string().max(100), times: z.number().int().min(1).default(1) }),
  async run(input, ctx) {
    const shout = await ctx.step("shout", () => input.message.toUpperCase());
    ctx.log.info("shouted", { length: shout.length });
    console.log("console works too");
    return { shout: shout.repeat(input.times), run: ctx.run.id };
  },
});
`;

describe("tool calls", () => {
  it("deploys a TypeScript function and calls it as a tool, with a full trace", async () => {
    const version = await deploy("echo", ECHO);
    expect(version).toMatchObject({ function: "echo", number: 1, active: true });
    expect(version.manifest.input.properties.message).toMatchObject({ type: "string", maxLength: 100 });

    const res = await api("/v1/tools/echo", { body: { message: "hi", times: 2 } });
    expect(res.status).toBe(200);
    const runId = res.headers.get("kiln-run-id");
    expect(runId).toMatch(/^run_/);
    expect(await json(res)).toEqual({ shout: "HIHI", run: runId });

    const run = await waitForRun(runId!);
    expect(run).toMatchObject({
      function: "echo",
      version: 1,
      trigger: "tool",
      status: "succeeded",
      input: { message: "hi", times: 2 },
      output: { shout: "HIHI", run: runId },
    });
    expect(run.steps).toEqual([expect.objectContaining({ name: "shout", status: "succeeded", attempt: 1, output: '"HI"' })]);
    expect(run.logs.map((l: any) => [l.level, l.message, l.step])).toEqual([
      ["info", "shouted", null],
      ["info", "console works too", null],
    ]);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
  });
});
