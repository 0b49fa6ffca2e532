/**
 * The dashboard's thin, typed client for the Kiln HTTP API (same origin, session cookie).
 * Problem documents become ApiError with their detail, issues, location and runId.
 * Imports only types from the shared contracts, never the zod runtime.
 */
import type {
  AlertDeliveryView,
  AlertEvent,
  AlertFormat,
  AlertRuleView,
  AlertRuleWithSecret,
  CreateAlertRequest,
  UpdateAlertRequest,
} from "../../workers/lib/contracts/alerts";
import type { AuditAction, AuditEventView, AuditPage } from "../../workers/lib/contracts/audit";
import type {
  DeployResponse,
  FunctionDetail,
  FunctionView,
  Manifest,
  RollbackResponse,
  VersionView,
} from "../../workers/lib/contracts/functions";
import type { JobStateView } from "../../workers/lib/contracts/jobs";
import type { ApiKeyView, CreatedKey, Scope } from "../../workers/lib/contracts/keys";
import type { LogLineView, LogsPage } from "../../workers/lib/contracts/logs";
import type { FunctionMetrics, MetricsView, MetricsWindow } from "../../workers/lib/contracts/metrics";
import type { ConsentResult, ConsentView, OAuthGrantView, OAuthScope } from "../../workers/lib/contracts/oauth";
import type { FieldIssue, Problem } from "../../workers/lib/contracts/problem";
import type { ChildRun, LogView, RunDetail, RunView, StepView } from "../../workers/lib/contracts/runs";
import type { ScheduleDetail, ScheduleView } from "../../workers/lib/contracts/schedules";
import type { FunctionConfigView, SecretView } from "../../workers/lib/contracts/secrets";
import type {
  CreateWebhookRequest,
  DeliveryStatus,
  DeliveryView,
  UpdateWebhookRequest,
  WebhookProvider,
  WebhookView,
  WebhookWithSecret,
} from "../../workers/lib/contracts/webhooks";

export type {
  AlertDeliveryView,
  AlertEvent,
  AlertFormat,
  AlertRuleView,
  AlertRuleWithSecret,
  ApiKeyView,
  AuditAction,
  AuditEventView,
  AuditPage,
  ChildRun,
  ConsentResult,
  ConsentView,
  CreatedKey,
  DeliveryStatus,
  DeliveryView,
  DeployResponse,
  FunctionConfigView,
  FunctionDetail,
  FunctionMetrics,
  FunctionView,
  LogLineView,
  LogsPage,
  LogView,
  Manifest,
  MetricsView,
  MetricsWindow,
  OAuthGrantView,
  OAuthScope,
  RunDetail,
  RunView,
  ScheduleDetail,
  ScheduleView,
  Scope,
  SecretView,
  VersionView,
  WebhookProvider,
  WebhookView,
  WebhookWithSecret,
};

/** A job's live state as its stream sends it, and a step as both the stream and a run's trace show it. */
export type JobState = JobStateView;
export type LiveStep = StepView;
/** Jobs holding one of a function's `limit` slots, and jobs waiting for one, in order. */
export type ConcurrencyLine = NonNullable<FunctionDetail["concurrency"]>;

/** One page of a webhook endpoint's deliveries, newest first. */
export interface DeliveryPage {
  items: DeliveryView[];
  nextCursor: string | null;
}

/** An error answered by the API (or a network failure, with status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly issues: FieldIssue[];
  readonly location: Problem["location"];
  readonly runId: string | undefined;

  constructor(status: number, problem: Partial<Problem>) {
    const detail = problem.detail ?? problem.title ?? `request failed with status ${status}`;
    super(detail);
    this.status = status;
    this.code = problem.code ?? "unknown";
    this.detail = detail;
    this.issues = problem.issues ?? [];
    this.location = problem.location;
    this.runId = problem.runId;
  }
}

export interface Session {
  kind: string;
  keyId: string;
  scopes: Scope[];
  functions: string[] | null;
}

let onUnauthorized: () => void = () => {};
/** Called when a request other than sign-in gets 401: the session has ended. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function problemOf(res: Response): Promise<Partial<Problem>> {
  try {
    return (await res.json()) as Partial<Problem>;
  } catch {
    return { detail: `${res.status} ${res.statusText}`.trim() };
  }
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      credentials: "same-origin",
      // Every write says JSON, even without a body: Kiln refuses cookie-authenticated writes
      // without it (a CSRF defence: a plain HTML form cannot send this type).
      headers: method === "GET" && body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, { detail: `could not reach Kiln: ${error instanceof Error ? error.message : String(error)}` });
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (!res.ok) {
    if (res.status === 401 && path !== "/v1/session") onUnauthorized();
    throw new ApiError(res.status, await problemOf(res));
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A GET whose answer is a document as stored (not wrapped in JSON of Kiln's own): its text. */
async function requestText(path: string): Promise<string> {
  const res = await send("GET", path);
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, await problemOf(res));
  }
  return res.text();
}

const enc = encodeURIComponent;

/** One page of runs, newest first; `nextCursor` asks for the next (older) one. */
export interface Page {
  items: RunView[];
  nextCursor: string | null;
}

export interface RunsFilter {
  function?: string;
  status?: string;
  trigger?: string;
  since?: string;
  until?: string;
  q?: string;
}

/** The logs explorer's filters (as GET /v1/logs takes them). */
export interface LogsFilter {
  function?: string;
  level?: string;
  q?: string;
  since?: string;
  until?: string;
}

/** The audit log's filters (an action name, an actor's key id or `admin`). */
export interface AuditFilter {
  action?: string;
  actor?: string;
}

/** A job as GET /v1/jobs/:id answers: the run, its steps, and while live what it is doing. */
export type JobView = Omit<RunDetail, "children"> & { currentStep: string | null; waitingFor: string | null };

/** What starting a job or replaying a run answers. */
export interface StartedJob {
  id: string;
  status: string;
  statusUrl: string;
  created?: boolean;
  parentRunId?: string;
}

/** The outcome of a tool call from the Try-it panel: never throws for an HTTP error. */
export interface ToolCallResult {
  status: number;
  durationMs: number;
  runId: string | null;
  body: unknown;
  error: ApiError | null;
}

function pageQuery(filter: RunsFilter | AuditFilter | LogsFilter | { status?: string }, cursor?: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) params.set(k, v);
  if (cursor) params.set("cursor", cursor);
  return params;
}

export const api = {
  session: () => request<Session>("GET", "/v1/session"),
  signIn: (key: string) => request<Session & { expiresAt: string }>("POST", "/v1/session", { key }),
  signOut: () => request<void>("DELETE", "/v1/session"),

  functions: () => request<{ items: FunctionView[] }>("GET", "/v1/functions").then((r) => r.items),
  fn: (name: string) => request<FunctionDetail>("GET", `/v1/functions/${enc(name)}`),
  versions: (name: string) => request<{ items: VersionView[] }>("GET", `/v1/functions/${enc(name)}/versions`).then((r) => r.items),
  source: (name: string, n: number) =>
    request<{ files: Record<string, string> }>("GET", `/v1/functions/${enc(name)}/versions/${n}`).then((r) => r.files),
  deploy: (name: string, code: string) => request<DeployResponse>("POST", "/v1/functions", { name, code }),
  rollback: (name: string, version: number) => request<RollbackResponse>("POST", `/v1/functions/${enc(name)}/rollback`, { version }),
  deleteFunction: (name: string) => request<void>("DELETE", `/v1/functions/${enc(name)}`),

  runs: (filter: RunsFilter, cursor?: string) => request<Page>("GET", `/v1/runs?${pageQuery(filter, cursor)}`),
  run: (id: string) => request<RunDetail>("GET", `/v1/runs/${enc(id)}`),
  /** Whole payloads a view shows as a marker (over 64 KiB, kept in R2), loaded on demand. */
  runPayload: (id: string, part: "input" | "output") => requestText(`/v1/runs/${enc(id)}/payload/${part}`),
  stepResult: (id: string, index: number) => requestText(`/v1/runs/${enc(id)}/steps/${index}/result`),
  deliveryPayload: (id: string) => requestText(`/v1/deliveries/${enc(id)}/payload`),
  /** How many runs match the filter (its status aside), per status; `capped`: counted over the newest 10,000 only. */
  /** The tool catalog in an agent framework's format (GET /v1/tools?format=…). */
  toolCatalog: (format: "openai" | "anthropic" | "mcp") =>
    request<{ tools: Record<string, unknown>[] }>("GET", `/v1/tools?format=${format}`).then((r) => r.tools),
  metrics: (window: MetricsWindow, fn?: string) =>
    request<MetricsView>("GET", `/v1/metrics?window=${window}${fn ? `&function=${enc(fn)}` : ""}`),
  runCounts: (filter: RunsFilter) =>
    request<{ counts: Record<string, number>; capped: boolean }>("GET", `/v1/runs/counts?${pageQuery({ ...filter, status: undefined })}`),

  /** Log lines across runs, newest first. */
  logs: (filter: LogsFilter, cursor?: string) => request<LogsPage>("GET", `/v1/logs?${pageQuery(filter, cursor)}`),
  /** The Server-Sent-Events live tail of new lines matching the filter (`line` events). */
  logStreamUrl: (filter: LogsFilter) => `/v1/logs/stream?${pageQuery(filter)}`,

  /** Durable runs (every trigger but tool and mcp), newest first: needs only jobs:read. */
  jobs: (filter: RunsFilter, cursor?: string) => request<Page>("GET", `/v1/jobs?${pageQuery(filter, cursor)}`),
  job: (id: string) => request<JobView>("GET", `/v1/jobs/${enc(id)}`),
  /** The Server-Sent-Events stream of a job's live state (same origin: the session cookie goes along). */
  jobStreamUrl: (id: string) => `/v1/jobs/${enc(id)}/stream`,
  startJob: (name: string, input: unknown) => request<StartedJob>("POST", "/v1/jobs", { function: name, input }),
  cancelJob: (id: string) => request<RunView>("POST", `/v1/jobs/${enc(id)}/cancel`),
  sendJobEvent: (id: string, type: string, payload: unknown) =>
    request<{ accepted: boolean; type: string }>("POST", `/v1/jobs/${enc(id)}/events`, { type, payload }),
  deadLetters: () => request<{ items: RunView[] }>("GET", "/v1/jobs/dead-letter").then((r) => r.items),
  replay: (id: string, fromFailedStep: boolean) => request<StartedJob>("POST", `/v1/runs/${enc(id)}/replay`, { fromFailedStep }),

  keys: () => request<{ items: ApiKeyView[] }>("GET", "/v1/keys").then((r) => r.items),
  createKey: (name: string, scopes: Scope[], functions: string[] | null) =>
    request<CreatedKey>("POST", "/v1/keys", { name, scopes, functions }),
  revokeKey: (id: string) => request<void>("DELETE", `/v1/keys/${enc(id)}`),

  /** An OAuth client's consent request, for the signed-in user (GET /oauth/authorize sent them here). */
  consent: (handle: string) => request<ConsentView>("GET", `/v1/oauth/consent?handle=${enc(handle)}`),
  approveConsent: (handle: string, scopes: OAuthScope[], functions: string[] | null) =>
    request<ConsentResult>("POST", "/v1/oauth/consent", { handle, approve: true, scopes, functions }),
  denyConsent: (handle: string) => request<ConsentResult>("POST", "/v1/oauth/consent", { handle, approve: false }),
  /** Hosted clients (MCP connectors) the signed-in user granted access to. */
  oauthGrants: () => request<{ items: OAuthGrantView[] }>("GET", "/v1/oauth/grants").then((r) => r.items),
  revokeOAuthGrant: (id: string) => request<void>("DELETE", `/v1/oauth/grants/${enc(id)}`),

  /** The audit log, newest first: needs audit:read. */
  audit: (filter: AuditFilter, cursor?: string) => request<AuditPage>("GET", `/v1/audit?${pageQuery(filter, cursor)}`),
  secrets: () => request<{ items: SecretView[] }>("GET", "/v1/secrets").then((r) => r.items),
  /** Sets a secret's value (write-only: nothing comes back); tells whether it was new. */
  async putSecret(name: string, value: string): Promise<{ created: boolean }> {
    const res = await send("PUT", `/v1/secrets/${enc(name)}`, { value });
    if (res.status === 401) onUnauthorized();
    if (!res.ok) throw new ApiError(res.status, await problemOf(res));
    return { created: res.status === 201 };
  },
  deleteSecret: (name: string) => request<void>("DELETE", `/v1/secrets/${enc(name)}`),

  /** Every schedule the caller may see (the API pages at 200). */
  schedules: async () => {
    const items: ScheduleView[] = [];
    for (let cursor: string | null = ""; cursor !== null; ) {
      const page: { items: ScheduleView[]; nextCursor: string | null } = await request(
        "GET",
        `/v1/schedules?limit=200${cursor ? `&cursor=${enc(cursor)}` : ""}`,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    }
    return items;
  },
  schedule: (id: string) => request<ScheduleDetail>("GET", `/v1/schedules/${enc(id)}`),
  createSchedule: (body: { name: string; function: string; cron: string; timezone: string; input: unknown }) =>
    request<ScheduleView>("POST", "/v1/schedules", body),
  /** The next fire times of an expression in a zone, ISO with the zone's offset. */
  previewSchedule: (cron: string, tz: string, count = 5) =>
    request<{ fireTimes: string[] }>("GET", `/v1/schedules/preview?cron=${enc(cron)}&tz=${enc(tz)}&count=${count}`).then(
      (r) => r.fireTimes,
    ),
  scheduleAction: (id: string, action: "pause" | "resume") => request<ScheduleView>("POST", `/v1/schedules/${enc(id)}/${action}`),
  triggerSchedule: (id: string) => request<{ id: string }>("POST", `/v1/schedules/${enc(id)}/trigger`),
  deleteSchedule: (id: string) => request<void>("DELETE", `/v1/schedules/${enc(id)}`),
  fnConfig: (name: string) => request<FunctionConfigView>("GET", `/v1/functions/${enc(name)}/config`),
  putGrants: (name: string, secrets: string[]) => request<FunctionConfigView>("PUT", `/v1/functions/${enc(name)}/grants`, { secrets }),
  putEnv: (name: string, env: Record<string, string>) => request<FunctionConfigView>("PUT", `/v1/functions/${enc(name)}/env`, { env }),

  webhooks: () => request<{ items: WebhookView[] }>("GET", "/v1/webhooks").then((r) => r.items),
  webhook: (id: string) => request<WebhookView>("GET", `/v1/webhooks/${enc(id)}`),
  createWebhook: (body: Partial<CreateWebhookRequest>) => request<WebhookWithSecret>("POST", "/v1/webhooks", body),
  updateWebhook: (id: string, patch: UpdateWebhookRequest) => request<WebhookView>("PATCH", `/v1/webhooks/${enc(id)}`, patch),
  deleteWebhook: (id: string) => request<void>("DELETE", `/v1/webhooks/${enc(id)}`),
  rotateWebhook: (id: string, previousExpiresInSeconds: number) =>
    request<WebhookWithSecret>("POST", `/v1/webhooks/${enc(id)}/rotate`, { previousExpiresInSeconds }),
  /** Signs a sample event with the endpoint's own secret and delivers it; `status` is what /hooks answered. */
  testWebhook: (id: string) => request<{ status: number; accepted: boolean }>("POST", `/v1/webhooks/${enc(id)}/test`),
  deliveries: (id: string, status?: DeliveryStatus, cursor?: string) =>
    request<DeliveryPage>("GET", `/v1/webhooks/${enc(id)}/deliveries?${pageQuery({ status }, cursor)}`),
  replayDelivery: (id: string) => request<StartedJob>("POST", `/v1/deliveries/${enc(id)}/replay`),

  alerts: () => request<{ items: AlertRuleView[] }>("GET", "/v1/alerts").then((r) => r.items),
  createAlert: (body: Partial<CreateAlertRequest>) => request<AlertRuleView | AlertRuleWithSecret>("POST", "/v1/alerts", body),
  updateAlert: (id: string, patch: UpdateAlertRequest) => request<AlertRuleView>("PATCH", `/v1/alerts/${enc(id)}`, patch),
  deleteAlert: (id: string) => request<void>("DELETE", `/v1/alerts/${enc(id)}`),
  alertDeliveries: (id: string) =>
    request<{ items: AlertDeliveryView[]; nextCursor: string | null }>("GET", `/v1/alerts/${enc(id)}/deliveries?limit=20`).then(
      (r) => r.items,
    ),

  async callTool(name: string, input: unknown): Promise<ToolCallResult> {
    const started = performance.now();
    const res = await send("POST", `/v1/tools/${enc(name)}`, input);
    const durationMs = Math.round(performance.now() - started);
    if (res.status === 401) onUnauthorized();
    const header = res.headers.get("kiln-run-id");
    if (res.ok) return { status: res.status, durationMs, runId: header, body: await res.json(), error: null };
    const problem = await problemOf(res);
    return {
      status: res.status,
      durationMs,
      runId: header ?? problem.runId ?? null,
      body: problem,
      error: new ApiError(res.status, problem),
    };
  },
};

/**
 * Every member of a contract's enum, in the order written. The values cannot be imported without
 * bundling zod, so they are listed here as record keys: the compiler rejects a missing or unknown one.
 */
export const membersOf = <T extends string>(all: Record<T, true>) => Object.keys(all) as T[];

/** The scopes a key can hold, in display order. */
export const SCOPES = membersOf<Scope>({
  admin: true,
  "functions:read": true,
  "functions:write": true,
  "tools:call": true,
  "jobs:write": true,
  "jobs:read": true,
  "runs:read": true,
  "keys:manage": true,
  "secrets:read": true,
  "secrets:write": true,
  "audit:read": true,
  "webhooks:read": true,
  "webhooks:write": true,
  "schedules:read": true,
  "schedules:write": true,
  "alerts:read": true,
  "alerts:write": true,
});
