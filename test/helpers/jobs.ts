// Helpers for job tests: start a job through the API and wait for its run to reach a status.
import { expect, vi } from "vitest";
import { api, json } from "./api";

export async function startJob(fn: string, input: unknown, headers: Record<string, string> = {}): Promise<string> {
  const res = await api("/v1/jobs", { body: { function: fn, input }, headers });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body.id;
}

export async function job(id: string): Promise<any> {
  return json(await api(`/v1/jobs/${id}`));
}

/** Polls GET /v1/jobs/:id until `until` holds. */
export async function waitForJob(id: string, until: (job: any) => boolean, timeout = 15_000): Promise<any> {
  let last: any;
  try {
    return await vi.waitUntil(
      async () => {
        last = await job(id);
        return until(last) ? last : false;
      },
      { timeout, interval: 25 },
    );
  } catch (error) {
    throw new Error(`job ${id} never matched; last state: ${JSON.stringify(last)}`, { cause: error });
  }
}

export const ended = (j: any) => ["succeeded", "failed", "cancelled", "timed_out"].includes(j.status);
