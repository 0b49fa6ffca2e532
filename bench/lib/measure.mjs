// One load run with autocannon's programmatic API, summarised. Latencies are kept from each
// response (sub-millisecond precision) rather than from autocannon's histogram, which rounds to
// whole milliseconds — too coarse for a local Worker that answers in about a millisecond.
import autocannon from "autocannon";

let current = null;

/** Stops the run in progress, if any (used on SIGINT). */
export function abortMeasurement() {
  current?.stop();
}

/** The value at quantile q (0..1) of ascending-sorted numbers, nearest-rank. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Sends `body` (POST by default) to `url` over `connections` connections for `duration` seconds (or `amount`
 * requests). Every response must be a 200 with `expectBody`, when given; anything else is counted.
 */
export async function measure({ url, method = "POST", body, headers = {}, connections = 1, duration, amount, expectBody }) {
  const latencies = [];
  const statusCodes = {};
  const options = {
    url,
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
    connections,
    pipelining: 1,
    timeout: 10,
    ...(amount ? { amount } : { duration }),
    ...(expectBody === undefined ? {} : { expectBody }),
  };
  const started = performance.now();
  const instance = autocannon(options);
  current = instance;
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  current = null;
  latencies.sort((a, b) => a - b);
  const non200 = latencies.length - (statusCodes[200] ?? 0);
  return {
    connections,
    seconds: round(elapsed, 2),
    requests: latencies.length,
    reqPerSec: round(latencies.length / elapsed, 1),
    p50: round(quantile(latencies, 0.5), 3),
    p90: round(quantile(latencies, 0.9), 3),
    p99: round(quantile(latencies, 0.99), 3),
    max: round(latencies.at(-1) ?? Number.NaN, 3),
    mean: round(latencies.reduce((s, x) => s + x, 0) / latencies.length, 3),
    statusCodes,
    non200,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
  };
}

/** Problems in a run: non-200 responses, connection errors, timeouts, wrong bodies. */
export function problems(run) {
  const out = [];
  if (run.requests === 0) out.push("no responses at all");
  if (run.non200 > 0) out.push(`${run.non200} non-200 responses (${JSON.stringify(run.statusCodes)})`);
  if (run.errors - run.timeouts > 0) out.push(`${run.errors - run.timeouts} connection errors`);
  if (run.timeouts > 0) out.push(`${run.timeouts} timeouts`);
  if (run.mismatches > 0) out.push(`${run.mismatches} responses with an unexpected body`);
  return out;
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
