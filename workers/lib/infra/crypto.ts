/**
 * Hashing and constant-time comparison for credentials.
 */
import { bytesToHex } from "../domain/bytes";

const encoder = new TextEncoder();

export async function sha256Hex(value: string | Uint8Array): Promise<string> {
  const data = typeof value === "string" ? encoder.encode(value) : value;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return bytesToHex(digest);
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so that lengths never leak
 * and `timingSafeEqual` always sees equal-length buffers.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}
