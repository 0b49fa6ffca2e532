/**
 * The egress gateway: the `globalOutbound` of every function isolate. Every `fetch()` a function
 * makes arrives here; calls to hosts outside the version's allow-list are refused with a marked
 * 403 (the isolate's `kiln` module turns it into an error and a span), the rest are forwarded.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { hostAllowed } from "../lib/domain/egress";

export interface EgressProps {
  function: string;
  egress: string[];
}

export class EgressGateway extends WorkerEntrypoint<Env, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const { egress, function: name } = this.ctx.props;
    if (!hostAllowed(url.host, egress)) {
      return Response.json(
        { error: `function "${name}" may not call ${url.host}: add it to the manifest's egress allow-list` },
        { status: 403, headers: { "kiln-egress": "blocked" } },
      );
    }
    return fetch(request);
  }
}
