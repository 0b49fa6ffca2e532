// Helpers for webhook tests: endpoints through the API, signatures made by the providers' own
// libraries (stripe, @octokit/webhooks-methods, standardwebhooks), and deliveries to /hooks/:id.

import { exports } from "cloudflare:workers";
import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { expect } from "vitest";
import { api, json } from "./api";

const stripe = new Stripe("sk_test_unused");
const cryptoProvider = Stripe.createSubtleCryptoProvider();

export const STRIPE_SECRET = "whsec_test_stripe_0123456789abcdef";
export const GITHUB_SECRET = "github-secret-0123456789abcdef";

/** A job function that returns its input (so a test can read what a delivery gave it). */
export const ECHO_JOB = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ provider: z.string(), endpoint: z.string(), event: z.any() }),
  exposures: { tool: false, job: true },
  async run(input, ctx) { return ctx.step("echo", () => input); },
});`;

export async function createEndpoint(body: Record<string, unknown>): Promise<any> {
  const res = await api("/v1/webhooks", { body });
  const created = await json(res);
  expect(res.status, JSON.stringify(created)).toBe(201);
  return created;
}

export async function deliver(endpointId: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(
    new Request(`http://kiln.test/hooks/${endpointId}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }),
  );
}

export async function stripeHeader(payload: string, secret = STRIPE_SECRET, timestamp = Math.floor(Date.now() / 1000)): Promise<string> {
  return stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp, cryptoProvider });
}

export function stripeEvent(id: string, type = "checkout.session.completed", object: Record<string, unknown> = {}): string {
  return JSON.stringify({ id, object: "event", type, data: { object: { id: "cs_test_1", object: "checkout.session", ...object } } });
}

export async function githubHeaders(
  payload: string,
  delivery: string,
  event = "issues",
  secret = GITHUB_SECRET,
): Promise<Record<string, string>> {
  return {
    "x-hub-signature-256": await githubSign(secret, payload),
    "x-github-delivery": delivery,
    "x-github-event": event,
    "user-agent": "GitHub-Hookshot/abc123",
  };
}

export function standardHeaders(secret: string, id: string, payload: string, at = new Date()): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, payload),
  };
}

export async function deliveries(endpointId: string, query = ""): Promise<any[]> {
  const res = await api(`/v1/webhooks/${endpointId}/deliveries${query}`);
  expect(res.status).toBe(200);
  return (await json(res)).items;
}
