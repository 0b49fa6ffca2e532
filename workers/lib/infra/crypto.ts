/**
 * Hashing and constant-time comparison for credentials.
 */
import { bytesToHex, hexToBytes } from "../domain/bytes";

const encoder = new TextEncoder();

const sha256 = (value: string | Uint8Array) => crypto.subtle.digest("SHA-256", typeof value === "string" ? encoder.encode(value) : value);

export async function sha256Hex(value: string | Uint8Array): Promise<string> {
  return bytesToHex(new Uint8Array(await sha256(value)));
}

/** Digests of platform secrets (the admin key), computed once per isolate rather than on every request. */
const secretDigests = new Map<string, Promise<ArrayBuffer>>();

/**
 * Whether `presented` is the platform secret `secret`, in constant time: both sides are compared
 * as SHA-256 digests, so lengths never leak and `timingSafeEqual` sees equal-length buffers.
 */
export async function matchesSecret(presented: string, secret: string): Promise<boolean> {
  let known = secretDigests.get(secret);
  if (!known) {
    if (secretDigests.size >= 4) secretDigests.clear(); // a rotated key: the old digest goes
    known = sha256(secret);
    secretDigests.set(secret, known);
  }
  const [a, b] = await Promise.all([sha256(presented), known]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Whether `presented` hashes to `digestHex` (a stored SHA-256, hex), in constant time; a malformed digest never matches. */
export async function matchesDigest(presented: string, digestHex: string): Promise<boolean> {
  const stored = hexToBytes(digestHex);
  const digest = await sha256(presented);
  // A stored digest is never secret-dependent in length: a malformed one (corrupt data) just fails.
  return stored?.byteLength === digest.byteLength && crypto.subtle.timingSafeEqual(digest, stored);
}
