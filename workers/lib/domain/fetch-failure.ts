/**
 * Says why a function's outbound fetch() failed, from what the runtime threw, so the run's span
 * and the step's error name the cause instead of a bare "internal error". workerd reports a
 * refused or dropped connection as "Network connection lost.", and an unresolvable host name only
 * as "internal error; reference = …" (checked locally, notes §15): the text says which case it
 * most likely is and keeps the runtime's own words. Pure: no I/O.
 */

export type FetchFailureKind = "timeout" | "aborted" | "tls" | "connection" | "dns" | "other";

/** The likely cause of a failed fetch, from the thrown error's name and message. */
export function fetchFailureKind(name: string, message: string): FetchFailureKind {
  if (name === "TimeoutError" || /timed out|timeout/i.test(message)) return "timeout";
  if (name === "AbortError") return "aborted";
  if (/\btls\b|ssl|certificate|handshake/i.test(message)) return "tls";
  if (/network connection lost|connection (refused|reset|closed)|econnrefused|econnreset/i.test(message)) return "connection";
  if (/^internal error; reference = /.test(message) || /dns|name not resolved|getaddrinfo|enotfound/i.test(message)) return "dns";
  return "other";
}

const CAUSES: Record<FetchFailureKind, (host: string) => string> = {
  timeout: () => "timed out",
  aborted: () => "aborted",
  tls: () => "the TLS handshake failed",
  connection: (host) => `the connection was refused or dropped by ${host}`,
  dns: (host) => `${host} could not be reached; most often its name does not resolve (DNS)`,
  other: () => "the request failed",
};

/** "fetch to api.example.com failed: the connection was refused or dropped (runtime: "Network connection lost.")". */
export function describeFetchFailure(host: string, error: unknown): { name: string; message: string } {
  const name = error instanceof Error ? error.name : "Error";
  const raw = error instanceof Error ? error.message : String(error);
  const kind = fetchFailureKind(name, raw);
  return { name, message: `fetch to ${host} failed: ${CAUSES[kind](host)} (runtime: "${raw}")` };
}
