/**
 * GET /v1/openapi.json: the OpenAPI 3.1 document, with one operation per tool this credential may call.
 */
import { Hono } from "hono";
import { canTouchFunction, hasScope } from "../../lib/domain/access";
import { buildOpenApi } from "../../lib/domain/openapi";
import { listActiveManifests } from "../../lib/infra/db/functions.repo";
import type { AppEnv } from "../types";

const API_VERSION = "1";

export const openApiRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const principal = c.get("principal");
  // The same filter as the tool catalog: what this credential may call, nothing else.
  const tools = hasScope(principal, "tools:call")
    ? (await listActiveManifests(c.get("db")))
        .filter((f) => f.manifest.exposures.tool && canTouchFunction(principal, f.name))
        .map((f) => ({ name: f.name, description: f.manifest.description, input: f.manifest.input, output: f.manifest.output }))
    : [];
  return c.json(buildOpenApi(tools, new URL(c.req.url).origin, API_VERSION));
});
