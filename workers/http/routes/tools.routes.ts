/**
 * /v1/tools: call a function synchronously, and the tool catalog in agent-framework formats.
 */
import { Hono } from "hono";
import { FunctionName } from "../../lib/contracts/functions";
import { CatalogQuery } from "../../lib/contracts/tools";
import { dropAbsentNulls } from "../../lib/domain/absent-nulls";
import { canTouchFunction } from "../../lib/domain/access";
import { renderCatalog, STRICT_DIALECT } from "../../lib/domain/tool-catalog";
import { getActiveFunction, listActiveManifests } from "../../lib/infra/db/functions.repo";
import { acceptJob, wantsAsync } from "../accept-job";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { enforceRateLimits } from "../rate-limit";
import { respondToToolCall } from "../tool-call";
import type { AppEnv } from "../types";
import { assertValidInput, parseWith, readJsonBody, readQuery } from "../validate";

export const toolsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "tools:call");
    const { format, strict } = readQuery(c, CatalogQuery);
    if (strict === "true" && !STRICT_DIALECT[format]) {
      throw new AppError("bad_request", 400, "strict=true applies to format=openai, openai-responses or anthropic");
    }
    const principal = c.get("principal");
    const tools = (await listActiveManifests(c.get("db")))
      .filter((f) => f.manifest.exposures.tool && canTouchFunction(principal, f.name))
      .map((f) => ({ name: f.name, description: f.manifest.description, input: f.manifest.input, output: f.manifest.output }));
    const isStrict = strict === undefined ? format === "openai-responses" : strict === "true";
    return c.json(renderCatalog(tools, format, isStrict, new URL(c.req.url).origin));
  })
  .post("/:name", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    if (wantsAsync(c)) return acceptJob(c, name, await readJsonBody(c, { optional: true }), "", { absentNulls: true });
    authorize(c, "tools:call", name);
    const fn = await getActiveFunction(c.get("db"), name);
    if (!fn?.manifest.exposures.tool) throw notFound(`tool "${name}"`);
    // A strict caller sends null for an optional field it leaves out (absent-nulls.ts).
    const input = dropAbsentNulls(fn.manifest.input, await readJsonBody(c, { optional: true }));
    assertValidInput(fn, input);
    // After validation, as for job starts: a refused input never reached the function either.
    await enforceRateLimits(c, name, fn.manifest.rateLimit);
    return respondToToolCall(c, fn, input);
  });
