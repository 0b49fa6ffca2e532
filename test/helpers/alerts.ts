// Helpers for alert tests: a stand-in receiver behind the platform Worker's outbound fetch (the
// consumer's POSTs to https://alerts.example.com/… land here; anything else goes out as usual),
// and alert rules through the API.
import { expect, vi } from "vitest";
import { api, json } from "./api";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const RECEIVER = "https://alerts.example.com";

/**
 * Records every request to RECEIVER; `answer` decides the response to each (by its path and how
 * many that path got before). Restore it with `stop()`.
 */
export function startReceiver(answer: (path: string, seen: number) => Response = () => new Response("ok")) {
  const received: Received[] = [];
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(`${RECEIVER}/`)) return real(input, init);
    const path = new URL(request.url).pathname;
    const seen = received.filter((r) => r.path === path).length;
    received.push({ path, headers: Object.fromEntries(request.headers), body: await request.text() });
    return answer(path, seen);
  });
  return {
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    stop: () => spy.mockRestore(),
  };
}

export async function createRule(body: Record<string, unknown>, key?: string): Promise<any> {
  const res = await api("/v1/alerts", { body, ...(key ? { key } : {}) });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created;
}

export async function alertDeliveries(ruleId: string): Promise<any[]> {
  const res = await api(`/v1/alerts/${ruleId}/deliveries?limit=100`);
  expect(res.status).toBe(200);
  return (await json(res)).items;
}

/** Polls the rule's deliveries until `until` holds. */
export async function waitForDeliveries(ruleId: string, until: (items: any[]) => boolean, timeout = 15_000): Promise<any[]> {
  let last: any[] = [];
  try {
    return await vi.waitUntil(
      async () => {
        last = await alertDeliveries(ruleId);
        return until(last) ? last : false;
      },
      { timeout, interval: 50 },
    );
  } catch (error) {
    throw new Error(`deliveries never matched; last: ${JSON.stringify(last)}`, { cause: error });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
