/**
 * The D1 schema (drizzle). The only place tables are described; migrations are generated from it
 * with `npm run db:generate`. Times are epoch milliseconds.
 */
import { isNotNull, sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { SYNC_TRIGGERS } from "../../contracts/runs";
import { DURATION_BUCKETS } from "../../domain/metrics";

/** The synchronous triggers as an SQL list literal: ('tool', 'mcp'). */
const SYNC_LIST = sql.raw(`(${SYNC_TRIGGERS.map((t) => `'${t}'`).join(", ")})`);

export const functions = sqliteTable(
  "functions",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull().unique(),
    description: text("description").notNull().default(""),
    activeVersionId: text("active_version_id"),
    /** JSON object: the function's environment variables (not secret), read per invocation. */
    env: text("env").notNull().default("{}"),
    /** How many days this function's runs are kept; null: the platform default (KILN_RUN_RETENTION_DAYS, else 30). */
    retentionDays: integer("retention_days"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  // The retention sweep reads the functions with their own retention through it.
  (t) => [index("functions_retention").on(t.retentionDays)],
);

export const functionVersions = sqliteTable(
  "function_versions",
  {
    id: text("id").primaryKey(),
    functionId: text("function_id")
      .notNull()
      .references(() => functions.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    entry: text("entry").notNull(),
    /** JSON: path → original source, as deployed (for history and diffs). */
    source: text("source").notNull(),
    /** JSON: module name → compiled JavaScript, as given to the Worker Loader. */
    modules: text("modules").notNull(),
    /** JSON: the Manifest. */
    manifest: text("manifest").notNull(),
    sha256: text("sha256").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [uniqueIndex("function_versions_fn_number").on(t.functionId, t.number)],
);

export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    functionId: text("function_id").notNull(),
    functionName: text("function_name").notNull(),
    versionId: text("version_id").notNull(),
    versionNumber: integer("version_number").notNull(),
    trigger: text("trigger").notNull(),
    status: text("status").notNull(),
    input: text("input"),
    output: text("output"),
    errorMessage: text("error_message"),
    errorName: text("error_name"),
    errorStep: text("error_step"),
    errorRetryable: integer("error_retryable", { mode: "boolean" }),
    attempt: integer("attempt").notNull().default(1),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    /** The run this one replays (trigger replay), or the run that invoked it (trigger invoke, or a tool run called by another). */
    parentRunId: text("parent_run_id"),
    /** The first run of a tree of ctx.invoke calls (this run's own id for a root; null for runs stored before it existed). */
    rootRunId: text("root_run_id"),
    /** How many ctx.invoke calls separate this run from its root (0 for a root): bounds cycles. */
    depth: integer("depth").notNull().default(0),
    /** JSON array: the functions the credential that started the root run may use (null: all); every child is checked against it. */
    allowedFunctions: text("allowed_functions"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
  },
  (t) => [
    // Lists are ordered by id (ids sort by creation time).
    index("runs_fn_id").on(t.functionName, t.id),
    index("runs_status_id").on(t.status, t.id),
    index("runs_trigger_id").on(t.trigger, t.id),
    // The two sparse columns are indexed where set only: a run without a key or a parent (every
    // tool call, every root run) adds no entry. Every query on them compares the column, so SQLite
    // knows it is not null and uses these partial indexes.
    // The runs of one schedule (`sched:<id>:…` keys, a key range) whatever their function.
    index("runs_idempotency").on(t.idempotencyKey).where(isNotNull(t.idempotencyKey)),
    uniqueIndex("runs_fn_idempotency").on(t.functionId, t.idempotencyKey).where(isNotNull(t.idempotencyKey)),
    // A run's children (GET /v1/runs/:id, cancel propagation) and the size of an invoke tree.
    index("runs_parent").on(t.parentRunId, t.id).where(isNotNull(t.parentRunId)),
    index("runs_root").on(t.rootRunId),
    // The jobs lists (GET /v1/jobs, MCP tasks) in id order, of all functions or of some, through
    // entries of job runs only: a tool call adds none, and jobs among millions of tool calls are
    // still read one page at a time.
    index("runs_jobs_id").on(t.id).where(sql`${t.trigger} not in ${SYNC_LIST}`),
    index("runs_jobs_fn_id").on(t.functionName, t.id).where(sql`${t.trigger} not in ${SYNC_LIST}`),
  ],
);

/**
 * "This run is a job", for queries. Literal SQL, never bound values: SQLite uses the partial
 * indexes above only for a condition that repeats theirs word for word.
 */
export const isJobRun = sql`${runs.trigger} not in ${SYNC_LIST}`;

export const runSteps = sqliteTable(
  "run_steps",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    status: text("status").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at"),
    error: text("error"),
    output: text("output"),
  },
  (t) => [uniqueIndex("run_steps_pk").on(t.runId, t.seq)],
);

export const runSpans = sqliteTable(
  "run_spans",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    step: text("step"),
    method: text("method").notNull(),
    host: text("host").notNull(),
    path: text("path").notNull(),
    status: integer("status").notNull(),
    startedAt: integer("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
  },
  (t) => [uniqueIndex("run_spans_pk").on(t.runId, t.seq)],
);

export const runLogs = sqliteTable(
  "run_logs",
  {
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    level: text("level").notNull(),
    message: text("message").notNull(),
    data: text("data"),
    step: text("step"),
    at: integer("at").notNull(),
    /** The run's function, copied here so the logs explorer filters lines without a join (null before 0008's backfill ran). */
    functionName: text("function_name"),
  },
  (t) => [
    uniqueIndex("run_logs_pk").on(t.runId, t.seq),
    // The logs explorer, newest first (rowid breaks ties): by time, by function, by level.
    index("run_logs_at").on(t.at),
    index("run_logs_fn_at").on(t.functionName, t.at),
    index("run_logs_level_at").on(t.level, t.at),
  ],
);

export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** SHA-256 of the secret part, hex. The key itself is never stored. */
  secretHash: text("secret_hash").notNull(),
  /** JSON array of scopes. */
  scopes: text("scopes").notNull(),
  /** JSON array of function names, or null for all. */
  functions: text("functions"),
  createdAt: integer("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  lastUsedAt: integer("last_used_at"),
  revokedAt: integer("revoked_at"),
  /** JSON `{ requests, perSeconds }`: this key's own rate limit (tokens minted from it share it), or null for none. */
  rateLimit: text("rate_limit"),
});

/**
 * Every agent token and dashboard session Kiln signs, by its JWT `jti`: the rights it carries and
 * whether it was revoked. Authentication requires a live row, so any token (even one minted with
 * the admin key, which has no key row) can be revoked. Rows past `expires_at` are dead weight and
 * may be pruned.
 */
export const issuedTokens = sqliteTable(
  "issued_tokens",
  {
    jti: text("jti").primaryKey(),
    /** `token` or `session`. */
    kind: text("kind").notNull(),
    /** `admin`, or the id of the API key it was minted from. */
    subject: text("subject").notNull(),
    /** The token or session it was minted by, if any: revoking that one revokes this too. */
    parent: text("parent"),
    /** JSON array of scopes. */
    scopes: text("scopes").notNull(),
    /** JSON array of function names, or null for all. */
    functions: text("functions"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("issued_tokens_subject").on(t.subject, t.expiresAt), index("issued_tokens_parent").on(t.parent)],
);

/**
 * Secrets: values encrypted with AES-GCM under a key derived from the Worker secret
 * KILN_SECRETS_KEY (`key_id` says which generation), with the name and id as associated data.
 */
export const secrets = sqliteTable("secrets", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** base64 of the AES-GCM ciphertext (with its tag). */
  ciphertext: text("ciphertext").notNull(),
  /** base64 of the 12-byte IV. */
  iv: text("iv").notNull(),
  keyId: text("key_id").notNull(),
  createdAt: integer("created_at").notNull(),
  createdBy: text("created_by").notNull(),
  updatedAt: integer("updated_at").notNull(),
  updatedBy: text("updated_by").notNull(),
  lastUsedAt: integer("last_used_at"),
});

/** Which function may read which secret; a deploy never creates one. */
export const secretGrants = sqliteTable(
  "secret_grants",
  {
    secretName: text("secret_name").notNull(),
    functionName: text("function_name").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.secretName, t.functionName] }), index("secret_grants_fn").on(t.functionName)],
);

/** Append-only record of who changed what; no route updates or deletes a row. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    /** Time-ordered id (`aud_…`). */
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    /** `admin` or the API key id behind the credential. */
    actorKeyId: text("actor_key_id").notNull(),
    /** admin | key | token | session */
    actorKind: text("actor_kind").notNull(),
    /** e.g. `function.deploy`, `secret.write`, `key.revoke`. */
    action: text("action").notNull(),
    /** What was acted on: a function, secret or key name/id. */
    target: text("target").notNull(),
    /** JSON object with details (never a secret value). */
    detail: text("detail").notNull().default("{}"),
    ip: text("ip"),
  },
  (t) => [index("audit_action_id").on(t.action, t.id), index("audit_actor_id").on(t.actorKeyId, t.id)],
);

/**
 * Webhook endpoints. Signing secrets are sealed (see lib/infra/sealing) with `<endpoint id>:<secret
 * id>` as associated data, kept as a JSON array of `{ id, ciphertext, iv, keyId, createdAt,
 * expiresAt }` (two during a rotation).
 */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** stripe | github | standard | hmac */
  provider: text("provider").notNull(),
  functionName: text("function_name").notNull(),
  /** JSON array of event-type patterns, or null for all. */
  events: text("events"),
  toleranceSeconds: integer("tolerance_seconds").notNull(),
  /** JSON HmacScheme for the generic provider, else null. */
  hmac: text("hmac"),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  secrets: text("secrets").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Deliveries: verified ones (stored before the 2xx, one per provider event id and endpoint) and a
 * bounded recent list of rejected ones. `processed`/`failed` are not stored: they come from the run.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    /** Time-ordered id (`dlv_…`). */
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    /** rejected | accepted | filtered */
    status: text("status").notNull(),
    reason: text("reason"),
    /** The provider's event id; null for rejected deliveries (several may share none). */
    eventId: text("event_id"),
    eventType: text("event_type"),
    /** The latest run this delivery started (a replay moves it to the new run). */
    runId: text("run_id"),
    receivedAt: integer("received_at").notNull(),
    /** JSON object: the headers that matter (type, delivery id, user agent). */
    headers: text("headers").notNull(),
    /** The raw body as text; null for rejected deliveries. */
    payload: text("payload"),
  },
  (t) => [
    index("webhook_deliveries_endpoint_id").on(t.endpointId, t.id),
    index("webhook_deliveries_endpoint_status").on(t.endpointId, t.status, t.id),
    uniqueIndex("webhook_deliveries_event").on(t.endpointId, t.eventId),
  ],
);

/** User schedules, fired by the per-minute cron tick. Runs they start carry the idempotency key `sched:<id>:…`. */
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    functionName: text("function_name").notNull(),
    cron: text("cron").notNull(),
    timezone: text("timezone").notNull(),
    /** JSON: the input each run gets. */
    input: text("input").notNull(),
    overlap: text("overlap").notNull(),
    catchUp: text("catch_up").notNull(),
    jitterMs: integer("jitter_ms").notNull().default(0),
    endAt: integer("end_at"),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    /** When the tick must look at it next; null once it has ended. */
    nextFireAt: integer("next_fire_at"),
    /** The newest slot already fired or skipped. */
    lastSlotAt: integer("last_slot_at").notNull(),
    /** buffer_one: a slot held back while the previous run was live. */
    pendingSlotAt: integer("pending_slot_at"),
    /** Slots the overlap or catch-up policy dropped, or that could not start (the target changed). */
    skippedSlots: integer("skipped_slots").notNull().default(0),
    /** The newest run it started (a slot or run now): the list shows its status. */
    lastRunId: text("last_run_id"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  // The tick reads only due rows through this index: its cost does not grow with idle schedules.
  // The per-function cap counts through the other.
  (t) => [index("schedules_due").on(t.paused, t.nextFireAt), index("schedules_fn").on(t.functionName)],
);

/**
 * Idempotency-Key claims of synchronous tool calls, one per (credential, function, key): claimed
 * before the function runs, so a concurrent repeat never runs it twice, and holding the first
 * response (status and body, up to the 1 MiB output limit) to return to a repeat.
 */
export const toolCallKeys = sqliteTable(
  "tool_call_keys",
  {
    credential: text("credential").notNull(),
    functionName: text("function_name").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    runId: text("run_id").notNull(),
    /** HTTP status of the first response; null while the first call is running. */
    status: integer("status"),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  // The sweep drops claims past their 24 h window through the second index.
  (t) => [primaryKey({ columns: [t.credential, t.functionName, t.key] }), index("tool_call_keys_created").on(t.createdAt)],
);

/**
 * Failure alert rules. `secret` is the sealed signing secret of a `standard` rule (JSON `{ciphertext,
 * iv, keyId}`, with `<rule id>:signing-secret` as associated data), null for Slack. The window
 * columns are the rule's rate limit: notifications counted in the current window, and failures
 * dropped (not yet sent as a summary). Constant size per rule, whatever the storm.
 */
export const alertRules = sqliteTable(
  "alert_rules",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** JSON array of AlertEvent. */
    events: text("events").notNull(),
    /** null: every function. */
    functionName: text("function_name"),
    url: text("url").notNull(),
    /** slack | standard */
    format: text("format").notNull(),
    secret: text("secret"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    /** The dashboard's origin, for links to runs (the API's origin when the rule was created). */
    linkBase: text("link_base").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    windowStartedAt: integer("window_started_at").notNull().default(0),
    windowCount: integer("window_count").notNull().default(0),
    pendingSuppressed: integer("pending_suppressed").notNull().default(0),
  },
  (t) => [index("alert_rules_fn").on(t.functionName)],
);

/** Each notification a rule sent or is sending (a summary has no run); the newest 100 per rule are kept. */
export const alertDeliveries = sqliteTable(
  "alert_deliveries",
  {
    /** Time-ordered id (`alr_…`); also the `webhook-id` of every attempt. */
    id: text("id").primaryKey(),
    ruleId: text("rule_id").notNull(),
    /** An AlertEvent, or `alert.suppressed` for a summary. */
    event: text("event").notNull(),
    runId: text("run_id"),
    functionName: text("function_name"),
    suppressed: integer("suppressed"),
    /** The JSON body every attempt sends. */
    payload: text("payload").notNull(),
    /** pending | succeeded | failed */
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    lastError: text("last_error"),
    nextAttemptAt: integer("next_attempt_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("alert_deliveries_rule_id").on(t.ruleId, t.id), uniqueIndex("alert_deliveries_rule_run").on(t.ruleId, t.runId)],
);

/**
 * Runs per function and minute (the minute a run ended): counts by final status and a histogram of
 * durations (from start to end) in the fixed log-scale buckets of lib/domain/metrics.ts, column
 * `d<i>` for bucket i. Written by an upsert in the same batch that ends the run, so each run counts
 * once; the overview reads these instead of the runs. Kept 8 days (pruned by the per-minute cron).
 */
export const runRollups = sqliteTable(
  "run_rollups",
  {
    functionName: text("function_name").notNull(),
    /** Epoch minute. */
    minute: integer("minute").notNull(),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    timedOut: integer("timed_out").notNull().default(0),
    cancelled: integer("cancelled").notNull().default(0),
    ...durationColumns(),
  },
  (t) => [primaryKey({ columns: [t.functionName, t.minute] }), index("run_rollups_minute").on(t.minute)],
);

function durationColumns() {
  const cols = {} as Record<`d${number}`, ReturnType<typeof rollupCount>>;
  for (let i = 0; i < DURATION_BUCKETS; i++) cols[`d${i}`] = rollupCount(`d${i}`);
  return cols;
}

function rollupCount(name: string) {
  return integer(name).notNull().default(0);
}
