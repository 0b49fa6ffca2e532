/**
 * Every HTTP route of Kiln with the contracts that validate it: the source of the OpenAPI
 * document (GET /v1/openapi.json, built by lib/domain/openapi.ts). A route added to the app
 * belongs here too; test/integration/agent-catalog.test.ts checks that both list the same routes.
 * Imports nothing but zod and sibling contracts.
 */
import { z } from "zod";
import {
  AlertDeliveriesQuery,
  AlertDeliveryView,
  AlertRuleView,
  AlertRuleWithSecret,
  CreateAlertRequest,
  UpdateAlertRequest,
} from "./alerts";
import { AuditPage, AuditQuery } from "./audit";
import { DeployRequest, FunctionDetail, FunctionView, RollbackRequest, RollbackResponse, VersionView } from "./functions";
import { JobEventRequest, ReplayRequest, StartJobRequest } from "./jobs";
import { ApiKeyView, CreatedKey, CreateKeyRequest, MintTokenRequest, RevokeTokensQuery, SessionRequest } from "./keys";
import { LogsPage, LogsQuery, LogsStreamQuery } from "./logs";
import { MetricsQuery, MetricsView } from "./metrics";
import { ConsentDecision, ConsentQuery, ConsentResult, ConsentView, OAuthGrantView } from "./oauth";
import { RunDetail, RunsQuery, RunView } from "./runs";
import { CreateScheduleRequest, ListSchedulesQuery, PreviewQuery, ScheduleDetail, ScheduleView, UpdateScheduleRequest } from "./schedules";
import {
  FunctionConfigView,
  PutEnvRequest,
  PutGrantsRequest,
  PutRetentionRequest,
  PutSecretRequest,
  RekeyResult,
  SecretView,
} from "./secrets";
import { Catalog, CatalogQuery } from "./tools";
import {
  CreateWebhookRequest,
  DeliveriesQuery,
  DeliveryView,
  RotateWebhookRequest,
  UpdateWebhookRequest,
  WebhookView,
  WebhookWithSecret,
} from "./webhooks";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI path, parameters as `{name}`. */
  path: string;
  summary: string;
  /** The scope it needs; null: any valid credential; "public": no credential. */
  scope: string | null;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status and its body (none for 204 and streams). */
  ok: { status: number; schema?: z.ZodType; description?: string };
}

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const Accepted = z.object({ id: z.string(), status: z.string(), statusUrl: z.string(), created: z.boolean().optional() });
const DeadLetterQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const SessionView = z.object({ keyId: z.string(), scopes: z.array(z.string()), functions: z.array(z.string()).nullable() });

const r = (method: HttpMethod, path: string, summary: string, scope: string | null, ok: ApiRoute["ok"], more: Partial<ApiRoute> = {}) =>
  ({ method, path, summary, scope, ok, ...more }) satisfies ApiRoute;

export const API_ROUTES: ApiRoute[] = [
  r("get", "/healthz", "Liveness check", "public", { status: 200, schema: z.object({ ok: z.boolean() }) }),
  r("post", "/hooks/{endpointId}", "Receive a signed webhook (the signature is the credential)", "public", { status: 200 }),
  r("get", "/v1/openapi.json", "This document, with one operation per tool the credential may call", null, { status: 200 }),
  r("post", "/v1/session", "Exchange an API key for a dashboard session cookie", "public", { status: 200 }, { body: SessionRequest }),
  r("get", "/v1/session", "The current credential", null, { status: 200, schema: SessionView }),
  r("delete", "/v1/session", "End the dashboard session", null, { status: 204 }),
  r("post", "/v1/functions", "Deploy a function version", "functions:write", { status: 201, schema: VersionView }, { body: DeployRequest }),
  r("get", "/v1/functions", "List functions", "functions:read", { status: 200, schema: items(FunctionView) }),
  r("get", "/v1/functions/{name}", "One function", "functions:read", { status: 200, schema: FunctionDetail }),
  r("get", "/v1/functions/{name}/versions", "Its versions", "functions:read", { status: 200, schema: items(VersionView) }),
  r("get", "/v1/functions/{name}/versions/{number}", "One version's sources", "functions:read", { status: 200 }),
  r(
    "post",
    "/v1/functions/{name}/rollback",
    "Activate an earlier version",
    "functions:write",
    { status: 200, schema: RollbackResponse },
    { body: RollbackRequest },
  ),
  r("delete", "/v1/functions/{name}", "Delete a function", "functions:write", { status: 204 }),
  r("get", "/v1/functions/{name}/config", "Its secrets grants and environment", "functions:read", {
    status: 200,
    schema: FunctionConfigView,
  }),
  r(
    "put",
    "/v1/functions/{name}/grants",
    "Set its secret grants",
    "secrets:write",
    { status: 200, schema: FunctionConfigView },
    { body: PutGrantsRequest },
  ),
  r(
    "put",
    "/v1/functions/{name}/env",
    "Set its environment",
    "functions:write",
    { status: 200, schema: FunctionConfigView },
    { body: PutEnvRequest },
  ),
  r(
    "put",
    "/v1/functions/{name}/retention",
    "Set how many days its runs are kept (null: the default)",
    "functions:write",
    { status: 200, schema: FunctionConfigView },
    { body: PutRetentionRequest },
  ),
  r(
    "get",
    "/v1/tools",
    "The tool catalog in an agent framework's format",
    "tools:call",
    { status: 200, schema: Catalog },
    { query: CatalogQuery },
  ),
  r(
    "post",
    "/v1/tools/{name}",
    "Call a tool by name (each tool also has its own operation)",
    "tools:call",
    { status: 200 },
    { body: z.record(z.string(), z.unknown()) },
  ),
  r("post", "/v1/jobs", "Start a job", "jobs:write", { status: 202, schema: Accepted }, { body: StartJobRequest }),
  r("get", "/v1/jobs", "List jobs", "jobs:read", { status: 200, schema: page(RunView) }, { query: RunsQuery }),
  r(
    "get",
    "/v1/jobs/dead-letter",
    "Jobs that ended in the dead-letter state",
    "jobs:read",
    { status: 200, schema: items(RunView) },
    { query: DeadLetterQuery },
  ),
  r("get", "/v1/jobs/{id}", "A job's status, steps and trace", "jobs:read", { status: 200, schema: RunDetail }),
  r("get", "/v1/jobs/{id}/stream", "Live updates (server-sent events)", "jobs:read", { status: 200, description: "text/event-stream" }),
  r("post", "/v1/jobs/{id}/cancel", "Cancel a job", "jobs:write", { status: 200, schema: RunView }),
  r("post", "/v1/jobs/{id}/events", "Send an event to a waiting job", "jobs:write", { status: 202 }, { body: JobEventRequest }),
  r(
    "get",
    "/v1/metrics",
    "Runs over a window from the per-minute rollups: by status over time, error rate, duration percentiles per function",
    "runs:read",
    { status: 200, schema: MetricsView },
    { query: MetricsQuery },
  ),
  r("get", "/v1/runs", "List runs", "runs:read", { status: 200, schema: page(RunView) }, { query: RunsQuery }),
  r(
    "get",
    "/v1/runs/counts",
    "How many runs match the filter, per status (over the newest 10,000 at most)",
    "runs:read",
    { status: 200, schema: z.object({ counts: z.record(z.string(), z.number()), capped: z.boolean() }) },
    { query: RunsQuery },
  ),
  r(
    "get",
    "/v1/logs",
    "Log lines across runs, newest first (`q` searches the newest 5,000 lines matching the other filters per request)",
    "runs:read",
    { status: 200, schema: LogsPage },
    { query: LogsQuery },
  ),
  r(
    "get",
    "/v1/logs/stream",
    "Live tail of new log lines (server-sent events `line`, resumable with Last-Event-ID; ends after 5 minutes)",
    "runs:read",
    { status: 200, description: "text/event-stream" },
    { query: LogsStreamQuery },
  ),
  r("get", "/v1/runs/{id}", "A run with its trace", "runs:read", { status: 200, schema: RunDetail }),
  r("get", "/v1/runs/{id}/payload/{part}", "Its whole input or output (part: input or output), even over 64 KiB", "runs:read", {
    status: 200,
  }),
  r(
    "get",
    "/v1/runs/{id}/steps/{index}/result",
    "A step's whole result (index: its place in the run's steps, from 0), even over 64 KiB",
    "runs:read",
    { status: 200 },
  ),
  r("post", "/v1/runs/{id}/replay", "Replay a run as a new job", "jobs:write", { status: 202, schema: Accepted }, { body: ReplayRequest }),
  r("post", "/v1/keys", "Create an API key", "keys:manage", { status: 201, schema: CreatedKey }, { body: CreateKeyRequest }),
  r("get", "/v1/keys", "List API keys", "keys:manage", { status: 200, schema: items(ApiKeyView) }),
  r("delete", "/v1/keys/{id}", "Revoke an API key", "keys:manage", { status: 204 }),
  r("post", "/v1/tokens", "Mint a short-lived agent token", null, { status: 201 }, { body: MintTokenRequest }),
  r("delete", "/v1/tokens", "Revoke every token minted with the admin key", "admin", { status: 200 }, { query: RevokeTokensQuery }),
  r("delete", "/v1/tokens/{id}", "Revoke one agent token", null, { status: 204 }),
  r("get", "/v1/audit", "The audit log", "audit:read", { status: 200, schema: AuditPage }, { query: AuditQuery }),
  r("get", "/v1/secrets", "List secrets (names and grants, never values)", "secrets:read", { status: 200, schema: items(SecretView) }),
  r("post", "/v1/secrets/rekey", "Reseal every secret with the current key", "admin", { status: 200, schema: RekeyResult }),
  r("put", "/v1/secrets/{name}", "Create or replace a secret", "secrets:write", { status: 204 }, { body: PutSecretRequest }),
  r("delete", "/v1/secrets/{name}", "Delete a secret", "secrets:write", { status: 204 }),
  r(
    "post",
    "/v1/webhooks",
    "Create a webhook endpoint",
    "webhooks:write",
    { status: 201, schema: WebhookWithSecret },
    { body: CreateWebhookRequest },
  ),
  r("get", "/v1/webhooks", "List webhook endpoints", "webhooks:read", { status: 200, schema: items(WebhookView) }),
  r("get", "/v1/webhooks/{id}", "One webhook endpoint", "webhooks:read", { status: 200, schema: WebhookView }),
  r(
    "patch",
    "/v1/webhooks/{id}",
    "Change a webhook endpoint",
    "webhooks:write",
    { status: 200, schema: WebhookView },
    { body: UpdateWebhookRequest },
  ),
  r("delete", "/v1/webhooks/{id}", "Delete a webhook endpoint", "webhooks:write", { status: 204 }),
  r(
    "post",
    "/v1/webhooks/{id}/rotate",
    "Rotate its signing secret",
    "webhooks:write",
    { status: 200, schema: WebhookWithSecret },
    { body: RotateWebhookRequest },
  ),
  r("post", "/v1/webhooks/{id}/test", "Send it a signed test delivery", "webhooks:write", { status: 200 }),
  r(
    "get",
    "/v1/webhooks/{id}/deliveries",
    "Its deliveries",
    "webhooks:read",
    { status: 200, schema: page(DeliveryView) },
    { query: DeliveriesQuery },
  ),
  r("get", "/v1/deliveries/{id}", "One delivery", "webhooks:read", { status: 200, schema: DeliveryView }),
  r("get", "/v1/deliveries/{id}/payload", "Its whole body as received, even over 64 KiB", "webhooks:read", { status: 200 }),
  r("post", "/v1/deliveries/{id}/replay", "Deliver it again", "webhooks:write", { status: 202 }),
  r("get", "/v1/schedules/preview", "The next fire times of a cron expression", "schedules:read", { status: 200 }, { query: PreviewQuery }),
  r(
    "get",
    "/v1/schedules",
    "List schedules, oldest first, paged",
    "schedules:read",
    { status: 200, schema: page(ScheduleView) },
    { query: ListSchedulesQuery },
  ),
  r(
    "post",
    "/v1/schedules",
    "Create a schedule",
    "schedules:write",
    { status: 201, schema: ScheduleView },
    { body: CreateScheduleRequest },
  ),
  r("get", "/v1/schedules/{id}", "One schedule with its recent runs", "schedules:read", { status: 200, schema: ScheduleDetail }),
  r(
    "patch",
    "/v1/schedules/{id}",
    "Change a schedule",
    "schedules:write",
    { status: 200, schema: ScheduleView },
    { body: UpdateScheduleRequest },
  ),
  r("delete", "/v1/schedules/{id}", "Delete a schedule", "schedules:write", { status: 204 }),
  r("post", "/v1/schedules/{id}/pause", "Pause a schedule", "schedules:write", { status: 200, schema: ScheduleView }),
  r("post", "/v1/schedules/{id}/resume", "Resume a schedule", "schedules:write", { status: 200, schema: ScheduleView }),
  r("post", "/v1/schedules/{id}/trigger", "Run a schedule's function now", "schedules:write", { status: 202, schema: Accepted }),
  r(
    "post",
    "/v1/alerts",
    "Create a failure alert rule (a standard rule's signing secret is returned once)",
    "alerts:write",
    { status: 201, schema: AlertRuleWithSecret },
    { body: CreateAlertRequest },
  ),
  r("get", "/v1/alerts", "List alert rules", "alerts:read", { status: 200, schema: items(AlertRuleView) }),
  r("get", "/v1/alerts/{id}", "One alert rule", "alerts:read", { status: 200, schema: AlertRuleView }),
  r(
    "patch",
    "/v1/alerts/{id}",
    "Change an alert rule (not its format)",
    "alerts:write",
    { status: 200, schema: AlertRuleView },
    { body: UpdateAlertRequest },
  ),
  r("delete", "/v1/alerts/{id}", "Delete an alert rule and its deliveries", "alerts:write", { status: 204 }),
  r(
    "get",
    "/v1/alerts/{id}/deliveries",
    "A rule's notifications, newest first",
    "alerts:read",
    { status: 200, schema: page(AlertDeliveryView) },
    { query: AlertDeliveriesQuery },
  ),
  r("post", "/mcp", "The MCP server (Streamable HTTP, JSON-RPC): tools/list, tools/call, tasks/*", "tools:call", { status: 200 }),
  r("get", "/mcp", "No server-to-client stream (stateless server)", null, { status: 405 }),
  r("delete", "/mcp", "No session to end (stateless server)", null, { status: 405 }),
  r("get", "/oauth/authorize", "OAuth authorization (PKCE S256): redirects to the dashboard's consent page", "public", { status: 302 }),
  r(
    "get",
    "/v1/oauth/consent",
    "What an OAuth client asks for (dashboard session only)",
    null,
    { status: 200, schema: ConsentView },
    { query: ConsentQuery },
  ),
  r(
    "post",
    "/v1/oauth/consent",
    "Grant or deny an OAuth client (dashboard session only)",
    null,
    { status: 200, schema: ConsentResult },
    { body: ConsentDecision },
  ),
  r("get", "/v1/oauth/grants", "OAuth clients the caller's key granted access to", null, { status: 200, schema: items(OAuthGrantView) }),
  r("delete", "/v1/oauth/grants/{id}", "Revoke an OAuth grant and its tokens", null, { status: 204 }),
];
