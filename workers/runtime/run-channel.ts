/**
 * The channel between one invocation and Kiln: an RpcTarget created per run by invokeFunction and
 * passed to the isolate's invoke(). The `kiln` SDK sends the run's log lines and step records
 * through it as they happen (batched), so a run that times out or crashes keeps what it recorded
 * before; and every outbound fetch() of the function goes through it (the isolate has no
 * globalOutbound), so Kiln checks the egress allow-list at every redirect and records each span
 * itself: a function can neither skip nor forge them. Nothing received here is trusted: it is
 * parsed and capped by trace-caps.ts.
 * May import lib/domain, lib/contracts and cloudflare:workers.
 */
import { RpcTarget } from "cloudflare:workers";
import type { SpanRecord, Trace } from "../lib/contracts/runs";
import { hostAllowed, refusedTarget } from "../lib/domain/egress";
import { describeFetchFailure } from "../lib/domain/fetch-failure";
import { SECRET_PLACEHOLDER } from "../lib/domain/secret-ref";
import { capText, TRACE_LIMITS, TraceCollector } from "../lib/domain/trace-caps";
import type { ChannelInvokeAnswer } from "./isolate/recorder";
import type { InjectedSecret } from "./run-config";

/** Kiln's side of a synchronous ctx.invoke (a tool call calling another function); see call-tool.ts. */
export type SyncInvoker = (name: string, input: unknown, timeoutMs: number | null) => Promise<ChannelInvokeAnswer>;

/** What a run's outbound calls may do: the allow-list, the host-bound secrets, and the admin's local-development switch. */
export interface EgressPolicy {
  egress: readonly string[];
  injected: readonly InjectedSecret[];
  allowLocal: boolean;
}

/** Redirects Kiln follows for a function before handing it the redirect response itself. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Spans made inside a durable step, kept for that step's record in the job (see JobDriver). */
export class StepSpans {
  private readonly byStep = new Map<string, SpanRecord[]>();
  private count = 0;

  add(span: SpanRecord & { step: string }): void {
    if (this.count >= TRACE_LIMITS.spans) return;
    this.count++;
    this.byStep.set(span.step, [...(this.byStep.get(span.step) ?? []), span]);
  }

  take(step: string): SpanRecord[] {
    const spans = this.byStep.get(step) ?? [];
    this.byStep.delete(step);
    return spans;
  }
}

/** Kiln's side of a run's channel: what it received, and whether the run is over. Never sent to the isolate. */
export class RunLedger {
  private readonly collector = new TraceCollector();
  private closed = false;

  constructor(
    readonly policy: EgressPolicy,
    private readonly stepSpans?: StepSpans,
  ) {}

  get open(): boolean {
    return !this.closed;
  }

  receive(batch: unknown): void {
    if (this.closed || typeof batch !== "object" || batch === null) return;
    const b = batch as { logs?: unknown; steps?: unknown; droppedLogs?: unknown };
    this.collector.addLogs(b.logs, b.droppedLogs);
    this.collector.putSteps(b.steps);
  }

  span(span: SpanRecord): void {
    if (this.closed) return;
    if (span.step !== null && this.stepSpans) this.stepSpans.add({ ...span, step: span.step });
    else this.collector.addSpans([span]);
  }

  /** Ends the run: later records and outbound calls are refused. Returns the trace received. */
  close(): Trace {
    this.closed = true;
    return this.collector.trace(Date.now());
  }
}

function blocked(host: string, reason: string): Response {
  const headers = { "kiln-egress": "blocked", "kiln-egress-host": host, "kiln-egress-reason": reason };
  return Response.json({ error: reason }, { status: 403, headers });
}

/**
 * The headers to send to `url`: every host-bound secret placeholder replaced by its value, or why
 * the request may not go there (a placeholder for another host, or for no granted secret).
 * Placeholders are only looked for in headers; anywhere else they travel as they are.
 */
function injectSecrets(headers: Headers, url: URL, injected: readonly InjectedSecret[]): Headers | string {
  const out = new Headers();
  for (const [name, raw] of headers) {
    let refusal: string | null = null;
    const value = raw.replaceAll(SECRET_PLACEHOLDER, (_match, secret: string) => {
      const bound = injected.find((s) => s.name === secret);
      if (!bound) refusal ??= `secret ${secret} is not available to this run (declared with hosts, granted and set?)`;
      else if (!hostAllowed(url.host, bound.hosts))
        refusal ??= `secret ${secret} may only be sent to ${bound.hosts.join(", ")}, not ${url.host}`;
      return bound?.value ?? "";
    });
    if (refusal) return refusal;
    out.append(name, value);
  }
  return out;
}

/** Why a hop may not go to `url` at all, or null. */
function refusal(url: URL, policy: EgressPolicy): string | null {
  const target = refusedTarget(url, policy.allowLocal);
  if (target) return `egress to ${url.host} is refused: ${target}`;
  if (!hostAllowed(url.host, policy.egress))
    return `egress to ${url.host} is not in this function's allow-list: add it to the manifest's "egress"`;
  return null;
}

/** The request for the next hop of a redirect, as fetch() itself would build it. */
function nextHop(previous: Request, response: Response, location: string, body: ArrayBuffer | null): Request {
  const url = new URL(location, previous.url);
  const toGet = response.status === 303 || ((response.status === 301 || response.status === 302) && previous.method === "POST");
  const method = toGet ? "GET" : previous.method;
  const headers = new Headers(previous.headers);
  if (url.origin !== new URL(previous.url).origin) {
    headers.delete("authorization");
    headers.delete("cookie");
  }
  const keepBody = method !== "GET" && method !== "HEAD";
  return new Request(url, { method, headers, body: keepBody ? body : null, redirect: "manual" });
}

export class RunChannel extends RpcTarget {
  // Private fields are not reachable over RPC: the isolate sees only record() and fetch().
  readonly #ledger: RunLedger;
  readonly #invoker: SyncInvoker | null;

  constructor(ledger: RunLedger, invoker: SyncInvoker | null = null) {
    super();
    this.#ledger = ledger;
    this.#invoker = invoker;
  }

  /** ctx.invoke in a tool call: runs the other function now, as its own run (checked by the invoker). */
  async invoke(name: unknown, input: unknown, timeoutMs: unknown): Promise<ChannelInvokeAnswer> {
    if (!this.#ledger.open) return { ok: false, message: "this run has ended: ctx.invoke is refused", retryable: false };
    if (this.#invoker === null) return { ok: false, message: "ctx.invoke() is not available in this run", retryable: false };
    if (typeof name !== "string") return { ok: false, message: "ctx.invoke(name, input): name must be a string", retryable: false };
    const ms = typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : null;
    return this.#invoker(name, input, ms);
  }

  /** A batch of `{ logs, steps: [index, record][], droppedLogs }` from the SDK. */
  record(batch: unknown): void {
    this.#ledger.receive(batch);
  }

  /** The function's outbound call: checked against the allow-list at every hop, each hop a span. */
  async fetch(request: Request, step: unknown): Promise<Response> {
    const ledger = this.#ledger;
    if (!ledger.open) throw new Error("this run has ended: outbound calls are refused");
    if (!(request instanceof Request)) throw new TypeError("fetch() needs a Request");
    const stepName = typeof step === "string" ? capText(step, TRACE_LIMITS.nameChars) : null;
    const follow = request.redirect === "follow";
    const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
    let current = new Request(request.url, { method: request.method, headers: request.headers, body, redirect: "manual" });
    for (let hop = 0; ; hop++) {
      const url = new URL(current.url);
      const base = { step: stepName, method: current.method, host: url.host, path: url.pathname, startedAt: Date.now() };
      const headers = injectSecrets(current.headers, url, ledger.policy.injected);
      const refused = refusal(url, ledger.policy) ?? (typeof headers === "string" ? headers : null);
      if (refused !== null || typeof headers === "string") {
        const reason = refused ?? "refused";
        ledger.span({ ...base, status: 403, durationMs: 0, error: reason });
        return blocked(url.host, reason);
      }
      let response: Response;
      try {
        // `current` keeps the placeholders: each hop gets the values its own host may receive.
        response = await fetch(new Request(current, { headers }));
      } catch (error) {
        // The runtime's own error often says only "internal error": name the likely cause, in the span and to the function.
        const failure = describeFetchFailure(url.host, error);
        const message = capText(failure.message, TRACE_LIMITS.messageChars);
        ledger.span({ ...base, status: 0, durationMs: Date.now() - base.startedAt, error: message });
        throw Object.assign(new Error(message), { name: failure.name });
      }
      ledger.span({ ...base, status: response.status, durationMs: Date.now() - base.startedAt, error: null });
      const location = response.headers.get("location");
      if (!follow || !REDIRECT_STATUSES.has(response.status) || location === null || hop >= MAX_REDIRECTS) return response;
      await response.body?.cancel();
      current = nextHop(current, response, location, body);
    }
  }
}
