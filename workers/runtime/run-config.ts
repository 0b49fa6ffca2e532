/**
 * What one run gets besides its input, read fresh for every invocation (never frozen into the
 * cached isolate, so a rotated secret or a changed variable reaches the next run without a
 * redeploy): the granted values of the secrets its manifest asks for, its environment variables,
 * and the redactor that keeps those values out of everything the run leaves behind.
 */
import { type SecretRequirement, secretNames } from "../lib/contracts/functions";
import type { LogRecord, RunError } from "../lib/contracts/runs";
import { type Redactor, redactorFor } from "../lib/domain/redact";
import type { Db } from "../lib/infra/db/functions.repo";
import { touchSecrets, unsealForRun } from "../lib/infra/db/secrets.repo";
import { keyringOf, SealingError } from "../lib/infra/sealing";

/** Admin-only, for local development: allow-listed IP literals and localhost become reachable. */
export function allowLocalEgress(platform: Env): boolean {
  return Reflect.get(platform, "KILN_EGRESS_ALLOW_LOCAL") === "true";
}

/** A host-bound secret: Kiln's egress puts its value into headers that reference it, for these hosts only. */
export interface InjectedSecret {
  name: string;
  value: string;
  hosts: readonly string[];
}

export interface RunConfig {
  /** Values the function sees in ctx.secrets. */
  secrets: Record<string, string>;
  /** Values that never enter the isolate. */
  injected: InjectedSecret[];
  env: Record<string, string>;
  redactor: Redactor | null;
  /** Log lines for the run's trace: which secrets it asked for but did not get (never a value). */
  notes: LogRecord[];
}

const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<string, number>();

/**
 * The configuration of one run, or the error that fails the run before it starts (a stored secret
 * that cannot be unsealed: wrong KILN_SECRETS_KEY, an altered row). Functions that ask for no
 * secrets pay nothing here (no query, no key derivation). `waitUntil` carries the secrets'
 * last-used write (at most once a minute per secret and isolate).
 */
export async function runConfig(
  platform: Env,
  db: Db,
  fn: { name: string; secrets: readonly SecretRequirement[]; env: Record<string, string> },
  waitUntil: (work: Promise<unknown>) => void,
  now = Date.now(),
): Promise<{ ok: true; config: RunConfig } | { ok: false; error: RunError }> {
  if (fn.secrets.length === 0) return { ok: true, config: { secrets: {}, injected: [], env: fn.env, redactor: null, notes: [] } };
  let unsealed: Awaited<ReturnType<typeof unsealForRun>>;
  try {
    unsealed = await unsealForRun(db, await keyringOf(platform), fn.name, secretNames(fn.secrets));
  } catch (error) {
    if (!(error instanceof SealingError)) throw error;
    return { ok: false, error: { message: error.message, name: "SecretsUnavailable", step: null, retryable: false } };
  }
  const { values, missing } = unsealed;
  const notes: LogRecord[] = missing.map(({ name, reason }) => ({
    level: "warn",
    message: `[kiln] secret ${name} is not available to this run (${reason}); ctx.secrets.${name} is undefined`,
    data: null,
    step: null,
    at: now,
  }));
  const stale = Object.keys(values).filter((name) => now - (lastTouched.get(name) ?? 0) > TOUCH_EVERY_MS);
  for (const name of stale) lastTouched.set(name, now);
  if (stale.length > 0) waitUntil(touchSecrets(db, stale, now).catch(() => {}));
  const secrets: Record<string, string> = {};
  const injected: InjectedSecret[] = [];
  for (const requirement of fn.secrets) {
    const name = typeof requirement === "string" ? requirement : requirement.name;
    const value = values[name];
    if (value === undefined) continue;
    if (typeof requirement === "string") secrets[name] = value;
    else injected.push({ name, value, hosts: requirement.hosts });
  }
  return { ok: true, config: { secrets, injected, env: fn.env, redactor: redactorFor(values), notes } };
}
