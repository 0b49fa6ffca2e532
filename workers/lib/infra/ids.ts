/**
 * Identifiers: a prefix, then a time-ordered part (so ids sort by creation), then randomness.
 */
import { bytesToBase64 } from "../domain/bytes";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lowercase

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A new id such as `run_01hx…`: 10 chars of time (ms) + 16 chars of randomness. */
export function newId(prefix: string, now = Date.now()): string {
  return `${idTimePrefix(prefix, now)}${base32(crypto.getRandomValues(new Uint8Array(10)))}`;
}

/**
 * The part of an id that its time decides: every id made at `ms` or later sorts at or after it,
 * every id made earlier sorts before it (so a time range is a key range over an id index).
 */
export function idTimePrefix(prefix: string, ms: number): string {
  let time = "";
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}`;
}

/** Random bytes as base64url, for key secrets. */
export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return bytesToBase64(raw).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/**
 * The id `seed` always gives, shaped like newId's (26 characters after the prefix): for an object
 * that a replay writes again and must find under the same key.
 */
export async function idFor(prefix: string, seed: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(seed)));
  return `${prefix}_${base32(digest.subarray(0, 17)).slice(0, 26)}`;
}
