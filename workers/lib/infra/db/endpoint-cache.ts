/**
 * Webhook endpoints as the acknowledgement path needs them: the row and its signing secrets
 * unsealed, kept per isolate for a few seconds so that a delivery costs neither a D1 read nor a
 * decryption. Safe because: a secret's expiry is checked against the clock on every delivery; a
 * delivery that fails verification against a cached entry is checked again against the stored row
 * (so a secret added by a rotation works at once); and changes through this isolate forget the
 * entry. What can lag, by at most `ENDPOINT_CACHE_MS` in other isolates: disabling, deleting, a new
 * target function or event filter. Unknown ids are never cached (random ids cannot fill it).
 */
import { type Keyring, unseal } from "../sealing";
import { TtlCache } from "../ttl-cache";
import type { Db } from "./functions.repo";
import { type Endpoint, getEndpoint } from "./webhooks.repo";

export const ENDPOINT_CACHE_MS = 5_000;
const MAX_ENTRIES = 1_000;

export interface VerifyingEndpoint {
  endpoint: Endpoint;
  /** Every stored secret, unsealed (none for a disabled endpoint), with its expiry. */
  secrets: { value: string; expiresAt: number | null }[];
  /** True when this came from the cache rather than from D1 just now. */
  cached: boolean;
}

const entries = new TtlCache<Promise<VerifyingEndpoint | null>>(ENDPOINT_CACHE_MS, MAX_ENTRIES);

async function load(db: Db, ring: () => Promise<Keyring>, id: string): Promise<VerifyingEndpoint | null> {
  const endpoint = await getEndpoint(db, id);
  if (!endpoint) return null;
  if (!endpoint.enabled) return { endpoint, secrets: [], cached: false };
  const keys = await ring();
  const secrets = await Promise.all(
    endpoint.secrets.map(async (s) => ({ value: await unseal(keys, { ...s, id: endpoint.id, name: s.id }), expiresAt: s.expiresAt })),
  );
  return { endpoint, secrets, cached: false };
}

/**
 * The endpoint `id` with its secrets, from the cache when fresh enough (`fresh` skips it). Throws
 * what unsealing throws (SealingError when KILN_SECRETS_KEY is missing or changed).
 */
export async function endpointForDelivery(
  db: Db,
  ring: () => Promise<Keyring>,
  id: string,
  now: number,
  fresh = false,
): Promise<VerifyingEndpoint | null> {
  const hit = fresh ? undefined : entries.get(id, now);
  if (hit) {
    const value = await hit.value;
    return value && { ...value, cached: true };
  }
  const value = load(db, ring, id);
  entries.set(id, value, now);
  const found = await value.catch((error: unknown) => {
    entries.delete(id);
    throw error;
  });
  if (!found) entries.delete(id);
  return found;
}

/** Drops the cached entry of an endpoint this isolate just changed or deleted. */
export function forgetEndpoint(id: string): void {
  entries.delete(id);
}

/** The values of the secrets still valid at `now`. */
export const liveSecrets = (v: VerifyingEndpoint, now: number): string[] =>
  v.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.value);
