/**
 * The baseline for the tool-call benchmark: parse the JSON body, return it as JSON. No auth, no
 * storage, no isolate. GET answers { ok: true } so the local server starter sees it healthy.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return Response.json({ ok: true });
    try {
      return Response.json(await request.json());
    } catch {
      return Response.json({ error: "invalid JSON" }, { status: 400 });
    }
  },
};
