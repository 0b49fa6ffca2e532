/**
 * Sealing secret values at rest: AES-GCM (WebCrypto) under a key derived with HKDF from the
 * Worker secret KILN_SECRETS_KEY. Each value is bound to its row by associated data (`id:name`),
 * so a ciphertext copied to another row does not decrypt. Every sealed value records the id of
 * the key generation that sealed it; KILN_SECRETS_KEY_PREVIOUS keeps the last generation readable
 * while values are re-sealed (POST /v1/secrets/rekey). A failure is an error with a clear message,
 * never a wrong value.
 */
import { base64ToBytes, bytesToBase64 } from "../domain/bytes";
import { sha256Hex } from "./crypto";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MIN_KEY_BYTES = 32;

export interface SealingKey {
  /** A public fingerprint of the key (never the key): stored with each value. */
  id: string;
  key: CryptoKey;
}

export interface Sealed {
  ciphertext: string;
  iv: string;
  keyId: string;
}

/** The keys configured for this Worker: the current one first, then the previous one if any. */
export interface Keyring {
  current: SealingKey;
  previous: SealingKey | null;
}

export class SealingError extends Error {
  override name = "SealingError";
}

async function deriveKey(secret: string): Promise<SealingKey> {
  const raw = encoder.encode(secret);
  if (raw.length < MIN_KEY_BYTES) throw new SealingError(`KILN_SECRETS_KEY must be at least ${MIN_KEY_BYTES} bytes`);
  const material = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("kiln/secrets/v1"), info: encoder.encode("aes-256-gcm") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  const id = (await sha256Hex(`kiln/secrets/key-id:${secret}`)).slice(0, 12);
  return { id, key };
}

const keyrings = new Map<string, Promise<Keyring>>();

/** The keyring for the configured secrets (derived once per isolate). */
export function keyring(current: string | undefined, previous: string | undefined): Promise<Keyring> {
  if (!current) return Promise.reject(new SealingError("KILN_SECRETS_KEY is not set: secrets cannot be stored or read"));
  const cacheKey = `${current}\n${previous ?? ""}`;
  let ring = keyrings.get(cacheKey);
  if (!ring) {
    ring = (async () => ({ current: await deriveKey(current), previous: previous ? await deriveKey(previous) : null }))();
    ring.catch(() => keyrings.delete(cacheKey));
    keyrings.set(cacheKey, ring);
  }
  return ring;
}

/**
 * The keyring of this Worker: KILN_SECRETS_KEY, and while a rotation is under way the previous
 * key in KILN_SECRETS_KEY_PREVIOUS (optional, so not in the generated Env type: read with a check).
 */
export function keyringOf(env: Env): Promise<Keyring> {
  const previous: unknown = Reflect.get(env, "KILN_SECRETS_KEY_PREVIOUS");
  return keyring(env.KILN_SECRETS_KEY, typeof previous === "string" && previous !== "" ? previous : undefined);
}

const associatedData = (id: string, name: string) => encoder.encode(`${id}:${name}`);

export async function seal(ring: Keyring, row: { id: string; name: string }, value: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(row.id, row.name) },
    ring.current.key,
    encoder.encode(value),
  );
  return { ciphertext: bytesToBase64(new Uint8Array(ciphertext)), iv: bytesToBase64(iv), keyId: ring.current.id };
}

export async function unseal(ring: Keyring, row: { id: string; name: string } & Sealed): Promise<string> {
  const key = [ring.current, ring.previous].find((k) => k?.id === row.keyId);
  if (!key) {
    throw new SealingError(
      `secret "${row.name}" was sealed with key ${row.keyId}, which is neither KILN_SECRETS_KEY (${ring.current.id}) nor KILN_SECRETS_KEY_PREVIOUS`,
    );
  }
  const iv = base64ToBytes(row.iv);
  const ciphertext = base64ToBytes(row.ciphertext);
  try {
    if (!iv || !ciphertext) throw new Error("not base64");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: associatedData(row.id, row.name) },
      key.key,
      ciphertext,
    );
    return decoder.decode(plain);
  } catch {
    throw new SealingError(`secret "${row.name}" could not be decrypted: its stored value was altered or belongs to another row`);
  }
}
