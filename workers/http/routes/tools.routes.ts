/**
 * /v1/tools: call a function synchronously, and the tool catalog in agent-framework formats.
 */
import { Hono } from "hono";
import { z } from "zod";
import { FunctionName } from "../../lib/contracts/functions";
import { canTouchFunction } from "../../lib/domain/access";
import { renderTool } from "../../lib/domain/tool-catalog";
import { getActiveFunction, listActiveManifests } from "../../lib/infra/db/functions.repo";
import { callTool } from "../../runtime/call-tool";
import { acceptJob, wantsAsync } from "../accept-job";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { enforceRateLimits } from "../rate-limit";
import type { AppEnv } from "../types";
import { assertValidInput, parseWith, readJsonBody, readQuery } from "../validate";

const CatalogQuery = z.strictObject({ format: z.enum(["kiln", "openai", "anthropic", "mcp"]).default("kiln") });

export const toolsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "tools:call");
    const { format } = readQuery(c, CatalogQuery);
    const principal = c.get("principal");
    const origin = new URL(c.req.url).origin;
    const tools = (await listActiveManifests(c.get("db")))
      .filter((f) => f.manifest.exposures.tool && canTouchFunction(principal, f.name))
      .map((f) =>
        renderTool(
          { name: f.name, description: f.manifest.description, input: f.manifest.input, output: f.manifest.output },
          format,
          origin,
        ),
      );
    return c.json({ format, tools });
  })
  .post("/:name", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    if (wantsAsync(c)) return acceptJob(c, name, await readJsonBody(c, { optional: true }), "");
    authorize(c, "tools:call", name);
    const fn = await getActiveFunction(c.get("db"), name);
    if (!fn?.manifest.exposures.tool) throw notFound(`tool "${name}"`);
    const input = await readJsonBody(c, { optional: true });
    assertValidInput(fn, input);
    // After validation, as for job starts: a refused input never reached the function either.
    await enforceRateLimits(c, name, fn.manifest.rateLimit);
    const { runId, outcome, save } = await callTool(c.env, c.executionCtx, c.get("db"), fn, input, {
      allowedFunctions: c.get("principal").functions,
    });
    const flush = save();
    if (flush) c.executionCtx.waitUntil(flush);
    c.header("Kiln-Run-Id", runId);
    switch (outcome.status) {
      case "succeeded":
        return c.body(outcome.output, 200, { "content-type": "application/json" });
      case "invalid_input":
        throw new AppError("validation_failed", 400, `input does not match the schema of "${name}"`, { issues: outcome.issues, runId });
      case "timed_out":
        throw new AppError("function_timeout", 504, outcome.error.message, { runId });
      case "failed":
        if (outcome.reason === "output_too_large") throw new AppError("output_too_large", 502, outcome.error.message, { runId });
        throw new AppError(
          "function_failed",
          502,
          outcome.error.step ? `step "${outcome.error.step}" failed: ${outcome.error.message}` : outcome.error.message,
          { runId },
        );
    }
  });
