/**
 * The main module of every function isolate: a WorkerEntrypoint that Kiln calls over RPC.
 * `/kiln` is imported first so that its console and fetch capture is in place before user code
 * is evaluated; `/kiln-entry.js` is generated per version and re-exports the user's entry module.
 * Bundled by scripts/build-isolate.mjs with both imports left external.
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import { type DurableDriver, describe, type InvokeRequest, type InvokeResult, invoke, type RunChannelStub } from "/kiln";
import definition from "/kiln-entry.js";

export default class KilnFunction extends WorkerEntrypoint<Record<string, unknown>> {
  /** What the code declares (schemas as JSON Schema), read once at deploy time. */
  describe() {
    return describe(definition);
  }

  /**
   * One run. `driver` is passed by durable runs (jobs) and drives Workflow steps; `channel`
   * carries the run's trace and outbound calls to Kiln.
   */
  invoke(request: InvokeRequest, driver?: DurableDriver, channel?: RunChannelStub): Promise<InvokeResult> {
    return invoke(definition, request, this.env, driver, channel);
  }
}
