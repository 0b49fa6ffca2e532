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

export { z };

/** How an invocation was started. */
export type RunTrigger = "tool" | "job" | "schedule" | "webhook" | "replay" | "manual";

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
  run: { id: string; attempt: number; trigger: RunTrigger; function: string; version: number };
  /** A named unit of work: recorded in the trace, retried by its options, memoized in jobs. */
  step<T>(name: string, fn: (attempt: StepInfo) => T | Promise<T>, options?: StepOptions): Promise<T>;
  /** Pause; durable in jobs, a plain timer in tool calls. */
  sleep(name: string, duration: Duration): Promise<void>;
  /** Pause a job until `POST /v1/jobs/:id/events` delivers an event of this type. Jobs only. */
  waitForEvent<T = unknown>(name: string, options: { type: string; timeout?: Duration }): Promise<ReceivedEvent<T>>;
  /** Structured log lines, recorded under the current step. `console.*` is captured as well. */
  log: Logger;
  /** Only the secrets granted to this function. */
  secrets: Readonly<Record<string, string>>;
  /** Only what Kiln put in this isolate's environment (the function's name and version). */
  env: Readonly<Record<string, unknown>>;
}

export interface FunctionDefinition<Input extends z.ZodType = z.ZodType, Output = unknown> {
  description?: string;
  input: Input;
  output?: z.ZodType<Output>;
  secrets?: string[];
  egress?: string[];
  timeoutMs?: number;
  jobTimeoutMs?: number;
  retries?: { limit: number; delayMs: number; backoff: "constant" | "linear" | "exponential" };
  concurrency?: number;
  rateLimit?: { requests: number; perSeconds: number };
  exposures?: { tool?: boolean; job?: boolean };
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
export interface SpanRecord {
  step: string | null;
  method: string;
  host: string;
  path: string;
  status: number;
  startedAt: number;
  durationMs: number;
  error: string | null;
}
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  data: string | null;
  step: string | null;
  at: number;
}
export interface Trace {
  steps: StepRecord[];
  spans: SpanRecord[];
  logs: LogRecord[];
}

interface Scope {
  trace: Trace;
  step: string | null;
}

const scope = new AsyncLocalStorage<Scope>();
const MAX_LOG_LINES = 1000;

function record(level: LogRecord["level"], parts: unknown[], data?: unknown): void {
  const current = scope.getStore();
  if (!current || current.trace.logs.length >= MAX_LOG_LINES) return;
  const message = parts.map((p) => (typeof p === "string" ? p : jsonPreview(p))).join(" ");
  current.trace.logs.push({ level, message, data: jsonPreview(data), step: current.step, at: Date.now() });
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

// Every outbound call goes through the egress gateway (the isolate's globalOutbound); the span is
// recorded here because only the isolate knows which run and step made the call.
const rawFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const current = scope.getStore();
  const startedAt = Date.now();
  const span: SpanRecord = {
    step: current?.step ?? null,
    method: request.method,
    host: url.host,
    path: url.pathname,
    status: 0,
    startedAt,
    durationMs: 0,
    error: null,
  };
  current?.trace.spans.push(span);
  try {
    const response = await rawFetch(request);
    span.status = response.status;
    span.durationMs = Date.now() - startedAt;
    if (response.headers.get("kiln-egress") === "blocked") {
      span.error = `egress to ${url.host} is not in this function's allow-list`;
      throw new NonRetriableError(span.error);
    }
    return response;
  } catch (error) {
    span.durationMs = Date.now() - startedAt;
    span.error ??= error instanceof Error ? error.message : String(error);
    throw error;
  }
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
 * values (an error crossing RPC loses its class), with the attempt's own logs and spans.
 */
export interface StepAttempt {
  ok: boolean;
  value?: unknown;
  error?: { message: string; name: string };
  nonRetriable?: boolean;
  logs: LogRecord[];
  spans: SpanRecord[];
}

/** The Workflow side of a durable run (an RpcTarget in Kiln): it runs each attempt when the engine says so. */
export interface DurableDriver {
  step(name: string, options: StepOptions, attempt: (attempt: number) => Promise<StepAttempt>): Promise<unknown>;
  sleep(name: string, ms: number): Promise<void>;
  waitForEvent(name: string, type: string, timeoutMs: number | null): Promise<ReceivedEvent>;
}

async function attemptStep(name: string, fn: (attempt: number) => unknown, attempt: number): Promise<StepAttempt> {
  const local: Trace = { steps: [], spans: [], logs: [] };
  try {
    const value = await scope.run({ trace: local, step: name }, async () => fn(attempt));
    return { ok: true, value, logs: local.logs, spans: local.spans };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      error: { message: e.message, name: e.name },
      nonRetriable: error instanceof NonRetriableError,
      logs: local.logs,
      spans: local.spans,
    };
  }
}

/** Adapts a durable driver to the inline shape; a step that fails for good names itself. */
function durableSteps(driver: DurableDriver): StepDriver {
  return {
    step: (name, options, fn) =>
      driver
        .step(name, options, (attempt) => attemptStep(name, fn, attempt))
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

/** Runs steps in place, retrying by the step's options and recording each attempt. */
export function inlineDriver(trace: Trace): StepDriver {
  return {
    async step(name, options, fn) {
      const limit = options.retries ?? 0;
      for (let attempt = 1; ; attempt++) {
        const rec: StepRecord = {
          name,
          kind: "step",
          status: "running",
          attempt,
          startedAt: Date.now(),
          endedAt: null,
          error: null,
          output: null,
        };
        trace.steps.push(rec);
        try {
          const value = await fn(attempt);
          Object.assign(rec, { status: "succeeded", endedAt: Date.now(), output: jsonPreview(value) });
          return value;
        } catch (error) {
          Object.assign(rec, { status: "failed", endedAt: Date.now(), error: errorMessage(error) });
          if (attempt > limit || error instanceof NonRetriableError) throw new StepFailed(name, error);
          const delay = (options.retryDelayMs ?? 0) * 2 ** (attempt - 1);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
    async sleep(name, ms) {
      const rec: StepRecord = {
        name,
        kind: "sleep",
        status: "sleeping",
        attempt: 1,
        startedAt: Date.now(),
        endedAt: null,
        error: null,
        output: null,
      };
      trace.steps.push(rec);
      await new Promise((r) => setTimeout(r, ms));
      Object.assign(rec, { status: "succeeded", endedAt: Date.now() });
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

/** What the code itself declares, for Kiln to store in the version's manifest. */
export function describe(mod: unknown): Description {
  const def = definitionOf(mod);
  const toSchema = (s: unknown) =>
    isZodSchema(s) ? (z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>) : null;
  return {
    description: def.description ?? null,
    input: toSchema(def.input),
    output: toSchema(def.output),
    secrets: def.secrets ?? null,
    egress: def.egress ?? null,
    timeoutMs: def.timeoutMs ?? null,
    jobTimeoutMs: def.jobTimeoutMs ?? null,
    retries: def.retries ?? null,
    concurrency: def.concurrency ?? null,
    rateLimit: def.rateLimit ?? null,
    exposures: def.exposures ?? null,
  };
}

export interface InvokeRequest {
  input: unknown;
  run: FunctionContext["run"];
  secrets: Record<string, string>;
  maxOutputChars: number;
}

export type InvokeResult =
  | { ok: true; output: string; trace: Trace }
  | {
      ok: false;
      kind: "invalid_input" | "error" | "output_too_large";
      error: { message: string; name: string; step: string | null; retryable: boolean };
      issues?: { path: string; message: string }[];
      trace: Trace;
    };

/** Runs the function once: validates with its own schema, builds ctx, captures the trace. */
export async function invoke(
  mod: unknown,
  request: InvokeRequest,
  env: Record<string, unknown>,
  driver?: DurableDriver,
): Promise<InvokeResult> {
  const trace: Trace = { steps: [], spans: [], logs: [] };
  const fail = (kind: "error" | "output_too_large", error: unknown, step: string | null = null): InvokeResult => ({
    ok: false,
    kind,
    error: {
      message: errorMessage(error),
      name: error instanceof Error ? error.name : "Error",
      step,
      retryable: !(error instanceof NonRetriableError || (error instanceof StepFailed && error.original instanceof NonRetriableError)),
    },
    trace,
  });
  return scope.run({ trace, step: null }, async () => {
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
          trace,
        };
      }
      input = parsed.data;
    }
    const steps = driver ? durableSteps(driver) : inlineDriver(trace);
    const ctx: FunctionContext = {
      run: request.run,
      step: (name, fn, options = {}) =>
        steps.step(name, options, (attempt) =>
          driver ? Promise.resolve(fn({ attempt })) : scope.run({ trace, step: name }, async () => fn({ attempt })),
        ) as Promise<never>,
      sleep: (name, duration) => steps.sleep(name, parseDuration(duration)),
      waitForEvent: (name, options) =>
        steps.waitForEvent(name, options.type, options.timeout === undefined ? null : parseDuration(options.timeout)) as Promise<never>,
      log,
      secrets: Object.freeze({ ...request.secrets }),
      env: Object.freeze({ ...env }),
    };
    try {
      const output = await def.run(input, ctx);
      const text = JSON.stringify(output ?? null);
      if (text.length > request.maxOutputChars) {
        return fail(
          "output_too_large",
          new NonRetriableError(`output is ${text.length} characters of JSON; the limit is ${request.maxOutputChars}`),
        );
      }
      return { ok: true, output: text, trace };
    } catch (error) {
      if (error instanceof StepFailed) return fail("error", error, error.step);
      return fail("error", error);
    }
  });
}
