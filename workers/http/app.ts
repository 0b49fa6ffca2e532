/**
 * The Hono app: request context, authentication, the route areas, and one error handler.
 */
import { Hono } from "hono";
import { AppError, onError, problemResponse } from "./errors";
import { requireAuth } from "./middleware/auth";
import { limitBodies } from "./middleware/body-limit";
import { requestContext } from "./middleware/request-id";
import { alertsRoutes } from "./routes/alerts.routes";
import { auditRoutes } from "./routes/audit.routes";
import { deliveriesRoutes } from "./routes/deliveries.routes";
import { functionConfigRoutes } from "./routes/function-config.routes";
import { functionsRoutes } from "./routes/functions.routes";
import { hooksRoutes } from "./routes/hooks.routes";
import { jobsRoutes } from "./routes/jobs.routes";
import { keysRoutes, tokensRoutes } from "./routes/keys.routes";
import { logsRoutes } from "./routes/logs.routes";
import { mcpRoutes } from "./routes/mcp.routes";
import { metricsRoutes } from "./routes/metrics.routes";
import { oauthPublicRoutes, oauthRoutes } from "./routes/oauth.routes";
import { openApiRoutes } from "./routes/openapi.routes";
import { runsRoutes } from "./routes/runs.routes";
import { schedulesRoutes } from "./routes/schedules.routes";
import { secretsRoutes } from "./routes/secrets.routes";
import { sessionRoutes } from "./routes/session.routes";
import { toolsRoutes } from "./routes/tools.routes";
import { webhooksRoutes } from "./routes/webhooks.routes";
import type { AppEnv } from "./types";

export const app = new Hono<AppEnv>()
  .use(requestContext)
  .get("/healthz", (c) => c.json({ ok: true }))
  // Public: a webhook's signature is its credential (its own 1 MiB body limit is in the route).
  .route("/hooks", hooksRoutes)
  // Public: OAuth discovery, registration, token and authorize endpoints for hosted MCP clients.
  .use("/oauth/*", limitBodies)
  .route("/", oauthPublicRoutes)
  // MCP (Streamable HTTP): the same credentials and body limits as /v1.
  .use("/mcp/*", limitBodies, requireAuth)
  .route("/mcp", mcpRoutes)
  .use("/v1/*", limitBodies)
  .route("/v1/session", sessionRoutes)
  .use("/v1/*", requireAuth)
  .route("/v1/functions", functionsRoutes)
  .route("/v1/functions", functionConfigRoutes)
  .route("/v1/tools", toolsRoutes)
  .route("/v1/jobs", jobsRoutes)
  .route("/v1/runs", runsRoutes)
  .route("/v1/metrics", metricsRoutes)
  .route("/v1/logs", logsRoutes)
  .route("/v1/keys", keysRoutes)
  .route("/v1/tokens", tokensRoutes)
  .route("/v1/audit", auditRoutes)
  .route("/v1/secrets", secretsRoutes)
  .route("/v1/webhooks", webhooksRoutes)
  .route("/v1/deliveries", deliveriesRoutes)
  .route("/v1/schedules", schedulesRoutes)
  .route("/v1/alerts", alertsRoutes)
  .route("/v1/oauth", oauthRoutes)
  .route("/v1/openapi.json", openApiRoutes)
  // Everything else (under /v1, /.well-known, or the bare /v1) is a JSON 404, never the dashboard;
  // wrangler.toml's run_worker_first sends those paths here. Routes registered above win.
  .notFound((c) => problemResponse(c, new AppError("not_found", 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)))
  .onError(onError);
