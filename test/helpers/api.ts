// Helpers for integration tests: call the Worker in-process (the same fetch handler production
// runs) with credentials, and deploy functions.
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";

export const ADMIN = env.KILN_ADMIN_KEY;

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

export async function api(path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...o.headers };
  const key = o.key === undefined ? ADMIN : o.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined = o.rawBody;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["content-type"] ??= "application/json";
  }
  return exports.default.fetch(
    new Request(`http://kiln.test${path}`, { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, body }),
  );
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Deploys a one-file function and asserts it was accepted. */
export async function deploy(name: string, code: string, manifest?: Record<string, unknown>): Promise<any> {
  const res = await api("/v1/functions", { body: { name, code, ...(manifest ? { manifest } : {}) } });
  const body = await json(res);
  // 200: the same code and manifest are already active (no new version); either way it is deployed.
  expect([200, 201], JSON.stringify(body)).toContain(res.status);
  return body;
}

/** Run records are written after the response (waitUntil); wait until one is readable. */
export async function waitForRun(id: string): Promise<any> {
  return vi.waitUntil(
    async () => {
      const res = await api(`/v1/runs/${id}`);
      return res.status === 200 ? json(res) : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Expects a problem document with the given status and code. */
export async function expectProblem(res: Response, status: number, code: string): Promise<any> {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = await json(res);
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  expect(body.requestId).toMatch(/^req_/);
  expect(res.headers.get("kiln-request-id")).toBe(body.requestId);
  return body;
}
