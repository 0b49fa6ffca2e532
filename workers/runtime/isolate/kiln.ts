/**
 * The `kiln` module that function authors import (`import { defineFunction, z } from "kiln"`).
 *
 * It is bundled (with zod) by scripts/build-isolate.mjs into a string module and given to every
 * function isolate by the Worker Loader; it runs inside the user's isolate, never in Kiln itself.
 * Besides the public API it holds the per-invocation machinery the harness uses: log capture,
 * outbound-call spans and step recording. It may import only zod and node:async_hooks.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { z } from "zod";
import { jsonPreview } from "../../lib/domain/json-text";
import type { Declared } from "../../lib/domain/manifest";
import { secretPlaceholder } from "../../lib/domain/secret-ref";
import { capText, TRACE_LIMITS } from "../../lib/domain/trace-caps";
import { UNREPRESENTABLE_KEY } from "../../lib/domain/unrepresentable";
import { type RunChannelStub, RunRecorder } from "./recorder";

export type { RunChannelStub } from "./recorder";
export { z };

/** How an invocation was started. */
export type RunTrigger = "tool" | "job" | "schedule" | "webhook" | "replay" | "manual" | "mcp" | "mcp-task" | "invoke";

/** A duration: milliseconds, or text such as "30 seconds", "5 minutes", "1 hour". */
export type Duration = number | `${number} ${"second" | "seconds" | "minute" | "minutes" | "hour" | "hours" | "day" | "days"}`;

export interface StepOptions {
  /** Extra attempts after the first failure (default: 0 in tool calls, the function's policy in jobs). */
  retries?: number;
  /** Delay before the first retry, in ms (doubled for each further attempt). */
  retryDelayMs?: number;
  /** Per-attempt time limit of a durable step. */
  timeout?: Duration;
}

/** Options of ctx.invoke. */
export interface InvokeCallOptions {
  /** How long to wait for the other function (a job's child is cancelled after it; a tool call's is its caller's timeoutMs at most). */
  timeout?: Duration;
  /** Further tries after a failure (each a new run of the other function); default 0: its own steps retry by its policy. */
  retries?: number;
  /** Delay before the first retry, in ms (doubled for each further try; default 1000). */
  retryDelayMs?: number;
  /** The step's name in the trace (default `invoke <name>`, then `invoke <name> #2`, … in call order). */
  step?: string;
}

/** What the durable driver receives for ctx.invoke (durations already in ms). */
export interface InvokeOptions {
  timeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
}

/** Passed to a step's function. */
export interface StepInfo {
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
}

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface ReceivedEvent<T = unknown> {
  type: string;
  payload: T;
  timestamp: string;
}

/** What a function's `run` receives besides its input. */
export interface FunctionContext {
  run: {
    id: string;
    attempt: number;
    trigger: RunTrigger;
    function: string;
    version: number;
    /** Present when a schedule started this job: its id and the slot's time (ISO, UTC; null for "run now"). */
    schedule?: { id: string; slot: string | null };
  };
  /** A named unit of work: recorded in the trace, retried by its options, memoized in jobs. */
  step<T>(name: string, fn: (attempt: StepInfo) => T | Promise<T>, options?: StepOptions): Promise<T>;
  /** Pause; durable in jobs, a plain timer in tool calls. */
  sleep(name: string, duration: Duration): Promise<void>;
  /** Pause a job until `POST /v1/jobs/:id/events` delivers an event of this type. Jobs only. */
  waitForEvent<T = unknown>(name: string, options: { type: string; timeout?: Duration }): Promise<ReceivedEvent<T>>;
  /**
   * Calls another function listed in the manifest's `invokes` and resolves to its output. In a job
   * it is a durable step: the other function runs as a child job (memoized: never started twice
   * for one step), and a failed child fails the step with its error and run id. In a tool call it
   * runs the other function at once (its own run), within this call's timeoutMs. Several calls in
   * `Promise.all` run in parallel.
   */
  invoke<T = unknown>(name: string, input: unknown, options?: InvokeCallOptions): Promise<T>;
  /** Structured log lines, recorded under the current step. `console.*` is captured as well. */
  log: Logger;
  /** The values of the granted secrets this function asks for by name (host-bound ones are never here). */
  secrets: Readonly<Record<string, string>>;
  /**
   * A placeholder for a host-bound secret (`secrets: [{ name, hosts }]`), to put in a request
   * header: Kiln's egress replaces it with the value only on requests to those hosts, so the value
   * never enters this isolate. `template` may wrap it: `ctx.secretRef("API_KEY", "Bearer {}")`.
   */
  secretRef(name: string, template?: string): string;
  /** The function's environment variables (set through the API) and KILN_FUNCTION / KILN_VERSION. */
  env: Readonly<Record<string, unknown>>;
}

/** A secret the function asks for: its name, or its name and the only hosts it may be sent to. */
export type SecretRequirement = string | { name: string; hosts: string[] };

export interface FunctionDefinition<Input extends z.ZodType = z.ZodType, Output = unknown> {
  description?: string;
  input: Input;
  output?: z.ZodType<Output>;
  secrets?: SecretRequirement[];
  egress?: string[];
  timeoutMs?: number;
  jobTimeoutMs?: number;
  retries?: { limit: number; delayMs: number; backoff: "constant" | "linear" | "exponential" };
  concurrency?: number;
  rateLimit?: { requests: number; perSeconds: number };
  exposures?: { tool?: boolean; job?: boolean };
  /** The functions this one may call with ctx.invoke. */
  invokes?: string[];
  run(input: z.output<Input>, ctx: FunctionContext): Output | Promise<Output>;
}

const DEFINITION = Symbol.for("kiln.function");

/** Declares a Kiln function; its `input` schema drives validation and every tool definition. */
export function defineFunction<Input extends z.ZodType, Output>(
  definition: FunctionDefinition<Input, Output>,
): FunctionDefinition<Input, Output> {
  return Object.freeze({ ...definition, [DEFINITION]: true });
}

/** Throw this to fail a step or a run without any further retry. */
export class NonRetriableError extends Error {
  override name = "NonRetriableError";
}

// ---------------------------------------------------------------------------------------------
// Internals used by the harness. Not part of the documented API.

export interface StepRecord {
  name: string;
  kind: "step" | "sleep" | "wait";
  status: "running" | "succeeded" | "failed" | "sleeping" | "waiting";
  attempt: number;
  startedAt: number;
  endedAt: number | null;
  error: string | null;
  output: string | null;
}
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  data: string | null;
  step: string | null;
  at: number;
}
interface Scope {
  run: RunRecorder;
  step: string | null;
  /** Where a durable step attempt's lines go (they travel with the attempt); null: the run's. */
  sink: LogRecord[] | null;
}

const scope = new AsyncLocalStorage<Scope>();

function record(level: LogRecord["level"], parts: unknown[], data?: unknown): void {
  const current = scope.getStore();
  if (!current || current.run.full()) return;
  const text = parts.map((p) => (typeof p === "string" ? p : jsonPreview(p))).join(" ");
  const message = capText(text, TRACE_LIMITS.messageChars);
  const preview = jsonPreview(data);
  if (!current.run.admit(message.length + (preview?.length ?? 0))) return;
  const line: LogRecord = { level, message, data: preview, step: current.step, at: Date.now() };
  if (current.sink) current.sink.push(line);
  else current.run.log(line);
}
const log: Logger = {
  debug: (m, d) => record("debug", [m], d),
  info: (m, d) => record("info", [m], d),
  warn: (m, d) => record("warn", [m], d),
  error: (m, d) => record("error", [m], d),
};

// console.* is captured into the current invocation's trace (and kept out of platform logs).
for (const [method, level] of [
  ["log", "info"],
  ["info", "info"],
  ["debug", "debug"],
  ["warn", "warn"],
  ["error", "error"],
] as const) {
  console[method] = (...parts: unknown[]) => record(level, parts);
}

// The isolate has no network of its own (globalOutbound is null): every outbound call goes
// through the run's channel, where Kiln checks the allow-list and records the span itself.
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const current = scope.getStore();
  if (!current) throw new Error("fetch() works only while a run is in progress");
  const response = await current.run.channel.fetch(new Request(input, init), current.step);
  if (response.headers.get("kiln-egress") === "blocked") {
    throw new NonRetriableError(
      response.headers.get("kiln-egress-reason") ?? `egress to ${response.headers.get("kiln-egress-host")} was refused`,
    );
  }
  return response;
};

export function parseDuration(value: Duration): number {
  if (typeof value === "number") return value;
  const match = /^(\d+(?:\.\d+)?) (second|minute|hour|day)s?$/.exec(value);
  if (!match) throw new TypeError(`invalid duration "${value}"`);
  const unit = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2] as "second"];
  return Number(match[1]) * unit;
}

/** How steps, sleeps and waits are carried out: inline for tool calls, by the Workflow engine for jobs. */
export interface StepDriver {
  step(name: string, options: StepOptions, fn: (attempt: number) => Promise<unknown>): Promise<unknown>;
  sleep(name: string, ms: number): Promise<void>;
  waitForEvent(name: string, type: string, timeoutMs: number | null): Promise<ReceivedEvent>;
}

/**
 * One attempt of a durable step, as the isolate reports it to the Workflow: errors travel as
 * values (an error crossing RPC loses its class), with the attempt's own log lines (its outbound
 * calls are recorded by Kiln's run channel).
 */
export interface StepAttempt {
  ok: boolean;
  value?: unknown;
  error?: { message: string; name: string };
  nonRetriable?: boolean;
  logs: LogRecord[];
}

/** The Workflow side of a durable run (an RpcTarget in Kiln): it runs each attempt when the engine says so. */
export interface DurableDriver {
  step(name: string, options: StepOptions, attempt: (attempt: number) => Promise<StepAttempt>): Promise<unknown>;
  sleep(name: string, ms: number): Promise<void>;
  waitForEvent(name: string, type: string, timeoutMs: number | null): Promise<ReceivedEvent>;
  invoke(name: string, callee: string, input: unknown, options: InvokeOptions): Promise<unknown>;
}

async function attemptStep(run: RunRecorder, name: string, fn: (attempt: number) => unknown, attempt: number): Promise<StepAttempt> {
  const logs: LogRecord[] = [];
  try {
    const value = await scope.run({ run, step: name, sink: logs }, async () => fn(attempt));
    return { ok: true, value, logs };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      error: { message: capText(String(e.message), TRACE_LIMITS.messageChars), name: capText(String(e.name), TRACE_LIMITS.nameChars) },
      nonRetriable: error instanceof NonRetriableError,
      logs,
    };
  }
}

/** Adapts a durable driver to the inline shape; a step that fails for good names itself. */
function durableSteps(driver: DurableDriver, run: RunRecorder): StepDriver {
  return {
    step: (name, options, fn) =>
      driver
        .step(name, options, (attempt) => attemptStep(run, name, fn, attempt))
        .catch((error: unknown) => {
          throw new StepFailed(name, error);
        }),
    sleep: (name, ms) => driver.sleep(name, ms),
    waitForEvent: (name, type, timeoutMs) => driver.waitForEvent(name, type, timeoutMs),
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function newStep(name: string, kind: StepRecord["kind"], status: StepRecord["status"], attempt: number): StepRecord {
  return {
    name: capText(name, TRACE_LIMITS.nameChars),
    kind,
    status,
    attempt,
    startedAt: Date.now(),
    endedAt: null,
    error: null,
    output: null,
  };
}

/** Runs steps in place, retrying by the step's options; each attempt's record is sent to Kiln when it ends. */
export function inlineDriver(run: RunRecorder): StepDriver {
  return {
    async step(name, options, fn) {
      const limit = options.retries ?? 0;
      for (let attempt = 1; ; attempt++) {
        const rec = newStep(name, "step", "running", attempt);
        const changed = run.step(rec);
        try {
          const value = await fn(attempt);
          Object.assign(rec, { status: "succeeded", endedAt: Date.now(), output: jsonPreview(value) });
          changed();
          await run.flush();
          return value;
        } catch (error) {
          Object.assign(rec, { status: "failed", endedAt: Date.now(), error: capText(errorMessage(error), TRACE_LIMITS.messageChars) });
          changed();
          await run.flush();
          if (attempt > limit || error instanceof NonRetriableError) throw new StepFailed(name, error);
          const delay = (options.retryDelayMs ?? 0) * 2 ** (attempt - 1);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
    async sleep(name, ms) {
      const rec = newStep(name, "sleep", "sleeping", 1);
      const changed = run.step(rec);
      await run.flush();
      await new Promise((r) => setTimeout(r, ms));
      Object.assign(rec, { status: "succeeded", endedAt: Date.now() });
      changed();
    },
    async waitForEvent() {
      throw new NonRetriableError("ctx.waitForEvent() needs a durable run: start this function as a job");
    },
  };
}

/** A step that failed for good; carries the step's name to the run's error. */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly original: unknown,
  ) {
    super(errorMessage(original));
    this.name = original instanceof Error ? original.name : "Error";
  }
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && typeof (value as z.ZodType).safeParse === "function";
}

/** What the code declares; Kiln layers it under the deploy's overrides (lib/domain/manifest.ts). */
export type Description = Declared;

function definitionOf(mod: unknown): FunctionDefinition {
  if (typeof mod !== "object" || mod === null || typeof (mod as FunctionDefinition).run !== "function") {
    throw new TypeError("the entry module's default export must be defineFunction({ input, run })");
  }
  return mod as FunctionDefinition;
}

/** zod types with no JSON Schema (rendered as `{}`); the deploy refuses them by path (unrepresentable.ts). */
const UNREPRESENTABLE = new Set(["bigint", "date", "custom", "map", "set", "symbol", "undefined", "void", "function", "nan", "promise"]);

/**
 * A date travels as an ISO 8601 string: `z.coerce.date()` parses one on input, and a Date in the
 * output is serialised as one. A plain `z.date()` input could never be satisfied from JSON.
 */
function markUnrepresentable(io: "input" | "output") {
  return (ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }) => {
    const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; coerce?: boolean } } })._zod?.def;
    if (!def?.type || !UNREPRESENTABLE.has(def.type)) return;
    if (def.type === "date" && (io === "output" || def.coerce)) Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
    else ctx.jsonSchema[UNREPRESENTABLE_KEY] = def.type;
  };
}

/** What the code itself declares, for Kiln to store in the version's manifest. */
export function describe(mod: unknown): Description {
  const def = definitionOf(mod);
  const toSchema = (s: unknown, io: "input" | "output") =>
    isZodSchema(s)
      ? (z.toJSONSchema(s, { io: "input", unrepresentable: "any", override: markUnrepresentable(io) }) as Record<string, unknown>)
      : null;
  return {
    description: def.description ?? null,
    input: toSchema(def.input, "input"),
    output: toSchema(def.output, "output"),
    secrets: def.secrets ?? null,
    egress: def.egress ?? null,
    timeoutMs: def.timeoutMs ?? null,
    jobTimeoutMs: def.jobTimeoutMs ?? null,
    retries: def.retries ?? null,
    concurrency: def.concurrency ?? null,
    rateLimit: def.rateLimit ?? null,
    exposures: def.exposures ?? null,
    invokes: def.invokes ?? null,
  };
}

export interface InvokeRequest {
  input: unknown;
  run: FunctionContext["run"];
  secrets: Record<string, string>;
  /** The function's environment variables for this run. */
  env: Record<string, string>;
  maxOutputChars: number;
}

function secretRef(def: FunctionDefinition, name: string, template = "{}"): string {
  const bound = (def.secrets ?? []).some((s) => typeof s === "object" && s.name === name);
  if (!bound) throw new TypeError(`ctx.secretRef("${name}"): declare it as secrets: [{ name: "${name}", hosts: [...] }]`);
  if (!template.includes("{}")) throw new TypeError(`ctx.secretRef("${name}", template): the template needs a "{}"`);
  return template.replace("{}", secretPlaceholder(name));
}

/** The outcome only: the trace went to Kiln through the run's channel as it was recorded. */
export type InvokeResult =
  | { ok: true; output: string }
  | {
      ok: false;
      kind: "invalid_input" | "error" | "output_too_large";
      error: { message: string; name: string; step: string | null; retryable: boolean };
      issues?: { path: string; message: string }[];
    };

function failure(kind: "error" | "output_too_large", error: unknown, step: string | null = null): InvokeResult {
  return {
    ok: false,
    kind,
    error: {
      message: capText(errorMessage(error), TRACE_LIMITS.messageChars),
      name: error instanceof Error ? capText(String(error.name), TRACE_LIMITS.nameChars) : "Error",
      step,
      retryable: !(error instanceof NonRetriableError || (error instanceof StepFailed && error.original instanceof NonRetriableError)),
    },
  };
}

/** ctx.invoke: a durable child job through the driver, or a synchronous call through the run's channel. */
function invoker(run: RunRecorder, steps: StepDriver, driver?: DurableDriver) {
  const calls = new Map<string, number>();
  return async (name: string, input: unknown, options: InvokeCallOptions = {}): Promise<unknown> => {
    if (typeof name !== "string") throw new TypeError("ctx.invoke(name, input): name must be a function's name");
    const count = (calls.get(name) ?? 0) + 1;
    calls.set(name, count);
    const step = options.step ?? (count === 1 ? `invoke ${name}` : `invoke ${name} #${count}`);
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
    if (driver) {
      if (scope.getStore()?.step) throw new NonRetriableError("ctx.invoke() cannot be called inside ctx.step(): call it between steps");
      const o: InvokeOptions = { timeoutMs, retries: options.retries, retryDelayMs: options.retryDelayMs };
      return driver.invoke(step, name, input, o).catch((error: unknown) => {
        throw new StepFailed(step, error);
      });
    }
    const o = { retries: options.retries ?? 0, retryDelayMs: options.retryDelayMs ?? 1_000 };
    return steps.step(step, o, () =>
      scope.run({ run, step, sink: null }, async () => {
        const answer = await run.channel.invoke(name, input, timeoutMs ?? null);
        if (!answer.ok) throw answer.retryable ? new Error(answer.message) : new NonRetriableError(answer.message);
        return JSON.parse(answer.output);
      }),
    );
  };
}

function buildContext(
  def: FunctionDefinition,
  request: InvokeRequest,
  env: Record<string, unknown>,
  run: RunRecorder,
  driver?: DurableDriver,
): FunctionContext {
  const steps = driver ? durableSteps(driver, run) : inlineDriver(run);
  const invoke = invoker(run, steps, driver);
  return {
    run: request.run,
    step: (name, fn, options = {}) =>
      steps.step(name, options, (attempt) =>
        driver ? Promise.resolve(fn({ attempt })) : scope.run({ run, step: name, sink: null }, async () => fn({ attempt })),
      ) as Promise<never>,
    sleep: (name, duration) => steps.sleep(name, parseDuration(duration)),
    waitForEvent: (name, options) =>
      steps.waitForEvent(name, options.type, options.timeout === undefined ? null : parseDuration(options.timeout)) as Promise<never>,
    invoke: invoke as FunctionContext["invoke"],
    log,
    secrets: Object.freeze({ ...request.secrets }),
    secretRef: (name, template) => secretRef(def, name, template),
    // The isolate's own KILN_* entries win over the function's variables.
    env: Object.freeze({ ...request.env, ...env }),
  };
}

/** Runs the function once: validates with its own schema, builds ctx, sends the trace as it goes. */
export async function invoke(
  mod: unknown,
  request: InvokeRequest,
  env: Record<string, unknown>,
  driver?: DurableDriver,
  channel?: RunChannelStub,
): Promise<InvokeResult> {
  const run = new RunRecorder(channel);
  try {
    return await scope.run({ run, step: null, sink: null }, async (): Promise<InvokeResult> => {
      const def = definitionOf(mod);
      let input = request.input;
      if (isZodSchema(def.input)) {
        const parsed = def.input.safeParse(input);
        if (!parsed.success) {
          return {
            ok: false,
            kind: "invalid_input",
            error: { message: "input does not match the function's schema", name: "ValidationError", step: null, retryable: false },
            issues: parsed.error.issues.map((i) => ({ path: `/${i.path.join("/")}`, message: i.message })),
          };
        }
        input = parsed.data;
      }
      try {
        const text = JSON.stringify((await def.run(input, buildContext(def, request, env, run, driver))) ?? null);
        if (text.length <= request.maxOutputChars) return { ok: true, output: text };
        const message = `output is ${text.length} characters of JSON; the limit is ${request.maxOutputChars}`;
        return failure("output_too_large", new NonRetriableError(message));
      } catch (error) {
        return failure("error", error, error instanceof StepFailed ? error.step : null);
      }
    });
  } finally {
    await run.flush();
  }
}
