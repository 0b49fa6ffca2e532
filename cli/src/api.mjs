/**
 * The HTTP client every command uses: bearer auth, JSON bodies, and problem documents
 * (RFC 9457) turned into a KilnError that carries the server's detail and request id.
 * Imports only node:* and ./config.mjs.
 */
import { resolveTarget } from "./config.mjs";

/** A failure the CLI reports and exits on (exit code 1 unless given). */
export class KilnError extends Error {
  constructor(message, { status = null, problem = null, exitCode = 1 } = {}) {
    super(message);
    this.name = "KilnError";
    this.status = status;
    this.problem = problem;
    this.exitCode = exitCode;
  }
}

/** One line out of a problem document: `404 not_found: function "x" not found (issues…)`. */
export function describeProblem(status, problem) {
  if (!problem || typeof problem !== "object") return `HTTP ${status}`;
  const parts = [`${status} ${problem.code ?? problem.title ?? "error"}: ${problem.detail ?? problem.title ?? ""}`.trim()];
  if (Array.isArray(problem.issues))
    for (const i of problem.issues.slice(0, 10)) parts.push(`  ${i.path ?? i.pointer ?? ""} ${i.message ?? JSON.stringify(i)}`.trimEnd());
  if (problem.location) {
    const l = problem.location;
    parts.push(`  at ${l.file ?? "?"}:${l.line ?? "?"}:${l.column ?? "?"}`);
  }
  if (problem.runId) parts.push(`  run ${problem.runId}`);
  if (problem.requestId) parts.push(`  request ${problem.requestId}`);
  return parts.join("\n");
}

/** A client bound to a server; `target` defaults to the environment and config file. */
export function createClient(target = resolveTarget()) {
  if (!target.url)
    throw new KilnError("no Kiln server: run `kiln login --url <url> --key <key>` (or `kiln login --local`), or set KILN_URL");
  if (!target.key) throw new KilnError("no API key: run `kiln login` or set KILN_API_KEY");
  const request = async (method, path, { body, query, headers = {}, raw = false } = {}) => {
    const url = new URL(target.url + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== false) url.searchParams.set(k, String(v));
    const init = { method, headers: { authorization: `Bearer ${target.key}`, ...headers } };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      throw new KilnError(`cannot reach ${target.url}: ${err.cause?.code ?? err.message}`);
    }
    if (raw) return res;
    return parseResponse(res);
  };
  return { url: target.url, request, get: (p, o) => request("GET", p, o), post: (p, b, o) => request("POST", p, { ...o, body: b }) };
}

/** The JSON body of a 2xx answer (null when empty); a KilnError with the problem otherwise. */
export async function parseResponse(res) {
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) throw new KilnError(describeProblem(res.status, data), { status: res.status, problem: data });
  return data;
}
