/**
 * The baseline for the benchmarks: parse the JSON body, return it as JSON (tool-call); under
 * /hooks/, verify a Stripe-style signature with the bench secret and answer (webhook-ack; at
 * /hooks/with-workflow it also starts a one-step Workflow after the answer); under
 * /wf, create a bare Workflow instance whose one step returns the time it started (job-start's
 * engine baseline), and read an instance's status. No auth, no storage, no isolate. Any other GET
 * answers { ok: true } so the local server starter sees it healthy.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";

interface BareEnv {
  BARE_WORKFLOW: Workflow;
}

/** One step, which records when it started: the engine's own create → first step time. */
export class BareWorkflow extends WorkflowEntrypoint<BareEnv> {
  override async run(_event: WorkflowEvent<unknown>, step: WorkflowStep): Promise<number> {
    return step.do("first", async () => Date.now());
  }
}

async function workflow(request: Request, env: BareEnv, path: string): Promise<Response> {
  if (request.method === "POST") return Response.json({ id: (await env.BARE_WORKFLOW.create()).id });
  const instance = await env.BARE_WORKFLOW.get(path.slice("/wf/".length));
  return Response.json(await instance.status());
}
const BENCH_STRIPE_SECRET = "whsec_kiln_bench_0123456789abcdef"; // bench/webhook-ack.mjs signs with it
const encoder = new TextEncoder();

async function verifyStripe(request: Request): Promise<Response> {
  const body = new Uint8Array(await request.arrayBuffer());
  const parts = (request.headers.get("stripe-signature") ?? "").split(",").map((p) => p.split("="));
  const t = parts.find(([k]) => k === "t")?.[1] ?? "";
  const v1 = parts.find(([k]) => k === "v1")?.[1] ?? "";
  if (!/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v1) || Math.abs(Date.now() / 1000 - Number(t)) > 300)
    return new Response("signature verification failed", { status: 400 });
  const key = await crypto.subtle.importKey("raw", encoder.encode(BENCH_STRIPE_SECRET), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  const signed = new Uint8Array([...encoder.encode(`${t}.`), ...body]);
  const signature = Uint8Array.from(v1.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  if (!(await crypto.subtle.verify("HMAC", key, signature, signed))) return new Response("signature verification failed", { status: 401 });
  return Response.json({ received: true });
}

export default {
  async fetch(request: Request, env: BareEnv, ctx: ExecutionContext): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/wf" || path.startsWith("/wf/")) return workflow(request, env, path);
    if (request.method !== "POST") return Response.json({ ok: true });
    if (path.startsWith("/hooks/")) {
      const answer = await verifyStripe(request);
      // webhook-ack's third baseline: the engine's least work per delivery, a one-step Workflow started after the answer.
      if (answer.ok && path === "/hooks/with-workflow") ctx.waitUntil(env.BARE_WORKFLOW.create());
      return answer;
    }
    try {
      return Response.json(await request.json());
    } catch {
      return Response.json({ error: "invalid JSON" }, { status: 400 });
    }
  },
};
