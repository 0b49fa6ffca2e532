/**
 * Deploying a function: compile the sources, load them once in a throw-away isolate to read what
 * the code declares, resolve the manifest, then store an immutable version and activate it.
 * Nothing is stored unless every step succeeded, nor when the code and manifest equal the active version's.
 */

import { type DeployRequest, MAX_SOURCE_BYTES, type Manifest } from "../lib/contracts/functions";
import { planInputSchema } from "../lib/domain/input-schema";
import { type Declared, resolveManifest } from "../lib/domain/manifest";
import { unrepresentableParts } from "../lib/domain/unrepresentable";
import { AppError } from "../lib/errors";
import { sha256Hex } from "../lib/infra/crypto";
import { createVersion, type Db, getActiveVersion } from "../lib/infra/db/functions.repo";
import { newId } from "../lib/infra/ids";
import { compile, loadErrorLocation } from "./compile";
import { loadFunction } from "./loader";
import { withTimeout } from "./timeout";

const DESCRIBE_TIMEOUT_MS = 10_000;

export interface Deployed {
  id: string;
  number: number;
  manifest: Manifest;
  entry: string;
  sha256: string;
  sizeBytes: number;
  createdAt: number;
}

/** What a deploy did: stored a new active version, or nothing because the active one is identical. */
export type DeployOutcome = ({ unchanged: false } & Deployed) | { unchanged: true; number: number };

function sourcesOf(req: DeployRequest): { files: Record<string, string>; entry: string } {
  if (req.code !== undefined) {
    const entry = req.entry ?? "index.ts";
    return { files: { [entry]: req.code }, entry };
  }
  const files = req.files ?? {};
  const paths = Object.keys(files);
  const entry = req.entry ?? (paths.length === 1 ? paths[0] : ["index.ts", "index.js"].find((p) => p in files));
  if (!entry)
    throw new AppError("validation_failed", 400, "say which file is the entry", {
      issues: [{ path: "/entry", message: "required when there are several files and none is index.ts" }],
    });
  return { files, entry };
}

async function describeCode(
  loader: WorkerLoader,
  probeId: string,
  name: string,
  code: { entry: string; modules: Record<string, string> },
  paths: readonly string[],
): Promise<Declared> {
  // A throw-away isolate id: the real one is loaded later with the resolved egress allow-list.
  const isolate = loadFunction(loader, { id: probeId, functionName: name, versionNumber: 0, manifest: { egress: [] } }, async () => code);
  try {
    const timedOut = () => {
      throw new Error(`evaluating the module took longer than ${DESCRIBE_TIMEOUT_MS} ms`);
    };
    return await withTimeout<Declared>(isolate.describe(), DESCRIBE_TIMEOUT_MS, timedOut);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const location = loadErrorLocation(error instanceof Error ? `${error.stack ?? ""}\n${message}` : message, paths);
    throw new AppError("load_error", 400, `the function failed to load: ${message}`, location ? { location } : {});
  }
}

/** The input schema is compiled now, so that a schema Kiln cannot evaluate safely is a 400, not a 500 on every call. */
function assertUsableInputSchema(schema: Manifest["input"], fromCode: boolean): void {
  const planned = planInputSchema(schema, { patternsRecheckedInIsolate: fromCode });
  if (planned.ok) return;
  const issues = planned.issues.map((i) => ({ path: `/manifest/input${i.path}`, message: i.message }));
  throw new AppError("validation_failed", 400, "the input schema cannot be used", { issues });
}

/** A zod part with no JSON Schema would be advertised and validated as "any value": refuse it by path. */
function assertExpressible(manifest: Manifest): void {
  const issues = [
    ...unrepresentableParts(manifest.input, "/manifest/input"),
    ...(manifest.output ? unrepresentableParts(manifest.output, "/manifest/output") : []),
  ];
  if (issues.length > 0) throw new AppError("validation_failed", 400, "the schema has parts JSON Schema cannot express", { issues });
}

export async function deployFunction(
  db: Db,
  loader: WorkerLoader,
  req: DeployRequest,
  createdBy: string,
  now = Date.now(),
): Promise<DeployOutcome> {
  const { files, entry } = sourcesOf(req);
  const encoder = new TextEncoder();
  const sizeBytes = Object.entries(files).reduce((n, [p, s]) => n + encoder.encode(p).length + encoder.encode(s).length, 0);
  if (sizeBytes > MAX_SOURCE_BYTES) {
    throw new AppError("payload_too_large", 413, `the sources are ${sizeBytes} bytes; the limit is ${MAX_SOURCE_BYTES}`);
  }
  const compiled = await compile(files, entry);
  if (!compiled.ok) {
    const { message, file, line, column } = compiled.error;
    throw new AppError("compile_error", 400, `${file}:${line}:${column}: ${message}`, { location: { file, line, column } });
  }
  const id = newId("ver", now);
  const declared = await describeCode(loader, `${id}:describe`, req.name, compiled.value, Object.keys(files));
  const resolved = resolveManifest(declared, req.manifest);
  if (!resolved.ok) throw new AppError("validation_failed", 400, "the resolved manifest is invalid", { issues: resolved.issues });
  assertExpressible(resolved.manifest);
  assertUsableInputSchema(resolved.manifest.input, req.manifest?.input === undefined);
  const sha256 = await sha256Hex(JSON.stringify([entry, files]));
  // Same sources and same resolved manifest as the active version: a new version would only add noise.
  const active = await getActiveVersion(db, req.name);
  if (active && active.sha256 === sha256 && JSON.stringify(active.manifest) === JSON.stringify(resolved.manifest)) {
    return { unchanged: true, number: active.number };
  }
  const number = await createVersion(
    db,
    req.name,
    newId("fn", now),
    {
      id,
      entry,
      source: files,
      modules: compiled.value.modules,
      manifest: resolved.manifest,
      sha256,
      sizeBytes,
      createdBy,
    },
    now,
  );
  return { unchanged: false, id, number, manifest: resolved.manifest, entry, sha256, sizeBytes, createdAt: now };
}
