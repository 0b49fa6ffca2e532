/**
 * What one run gets besides its input, read fresh for every invocation (never frozen into the
 * cached isolate, so a rotated secret or a changed variable reaches the next run without a
 * redeploy): the granted values of the secrets its manifest asks for, its environment variables,
 * and the redactor that keeps those values out of everything the run leaves behind.
 */
import type { LogRecord } from "../lib/contracts/runs";
import { type Redactor, redactorFor } from "../lib/domain/redact";
import type { Db } from "../lib/infra/db/functions.repo";
import { touchSecrets, unsealForRun } from "../lib/infra/db/secrets.repo";
import { keyringOf } from "../lib/infra/sealing";

export interface RunConfig {
  secrets: Record<string, string>;
  env: Record<string, string>;
  redactor: Redactor | null;
  /** Log lines for the run's trace: which secrets it asked for but did not get (never a value). */
  notes: LogRecord[];
  /** A write of the secrets' last-used time, for the caller's waitUntil (at most once a minute per secret and isolate). */
  touched: Promise<void> | null;
}

const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<string, number>();

/** Functions that ask for no secrets pay nothing here (no query, no key derivation). */
export async function runConfig(
  platform: Env,
  db: Db,
  fn: { name: string; secrets: readonly string[]; env: Record<string, string> },
  now = Date.now(),
): Promise<RunConfig> {
  if (fn.secrets.length === 0) return { secrets: {}, env: fn.env, redactor: null, notes: [], touched: null };
  const { values, missing } = await unsealForRun(db, await keyringOf(platform), fn.name, fn.secrets);
  const notes: LogRecord[] = missing.map(({ name, reason }) => ({
    level: "warn",
    message: `[kiln] secret ${name} is not available to this run (${reason}); ctx.secrets.${name} is undefined`,
    data: null,
    step: null,
    at: now,
  }));
  const stale = Object.keys(values).filter((name) => now - (lastTouched.get(name) ?? 0) > TOUCH_EVERY_MS);
  for (const name of stale) lastTouched.set(name, now);
  const touched = stale.length > 0 ? touchSecrets(db, stale, now) : null;
  return { secrets: values, env: fn.env, redactor: redactorFor(values), notes, touched };
}
