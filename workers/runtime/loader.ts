/**
 * Loads a function version into its own isolate through the Worker Loader. One isolate id per
 * (version, Kiln build): ids are immutable per code, so a new version always gets a new isolate,
 * and a warm isolate is reused across calls. The code is read from D1 only on a cold load.
 */
import type { Manifest } from "../lib/contracts/functions";
import { type Db, getModules } from "../lib/infra/db/functions.repo";
import { moduleName } from "./compile";
import { HARNESS, ISOLATE_REVISION, KILN_SDK } from "./isolate/generated/modules";
import type KilnFunction from "./isolate/harness";

/** Must not be newer than the runtime supports; matches wrangler.toml. */
const COMPATIBILITY_DATE = "2026-11-01";
/** CPU limit per invocation. Enforced on Cloudflare; local workerd ignores it (platform notes §1). */
export const CPU_LIMIT_MS = 30_000;

/** The RPC surface of the harness inside each isolate. */
export type FunctionIsolate = Fetcher<KilnFunction>;

export interface LoadableVersion {
  id: string;
  functionName: string;
  versionNumber: number;
  manifest: Pick<Manifest, "egress">;
}

/** The compiled modules, and the module name of the entry. */
export type CodeSource = () => Promise<{ entry: string; modules: Record<string, string> }>;

/** A version's stored code (read only when its isolate is not warm). */
export function storedCode(db: Db, versionId: string): CodeSource {
  return async () => {
    const { entry, modules } = await getModules(db, versionId);
    return { entry: moduleName(entry), modules };
  };
}

export function loadFunction(loader: WorkerLoader, version: LoadableVersion, code: CodeSource): FunctionIsolate {
  const worker = loader.get(`${version.id}:${ISOLATE_REVISION}`, async () => {
    const { entry, modules } = await code();
    return {
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      mainModule: "kiln-harness.js",
      modules: {
        ...modules,
        "kiln-harness.js": HARNESS,
        // A namespace import, so that a missing default export is reported by describe(), not a link error.
        "kiln-entry.js": `import * as entry from "/${entry}";\nexport default entry.default;`,
        kiln: { js: KILN_SDK },
      },
      // Only what the function is entitled to see; per-run data travels in the invoke() call.
      env: { KILN_FUNCTION: version.functionName, KILN_VERSION: version.versionNumber },
      // No network of its own: fetch() goes through the run's channel (run-channel.ts), which
      // checks the allow-list and records the span; connect() and a saved original fetch() throw.
      globalOutbound: null,
      limits: { cpuMs: CPU_LIMIT_MS },
    };
  });
  return worker.getEntrypoint<KilnFunction>();
}
