// Secret values at rest: AES-GCM bound to their row, key generations, and loud failures; credential comparison.
import { describe, expect, it } from "vitest";
import { matchesDigest, matchesSecret, sha256Hex } from "../../workers/lib/infra/crypto";
import { keyring, SealingError, seal, unseal } from "../../workers/lib/infra/sealing";

const KEY_A = `${"a".repeat(32)}-first-generation`;
const KEY_B = `${"b".repeat(32)}-second-generation`;
const row = { id: "sec_1", name: "OPENAI_API_KEY" };

describe("sealing", () => {
  it("round-trips a value, and the ciphertext does not contain it", async () => {
    const ring = await keyring(KEY_A, undefined);
    const sealed = await seal(ring, row, "sk-live-123456");
    expect(sealed.ciphertext).not.toContain("sk-live");
    expect(atob(sealed.ciphertext)).not.toContain("sk-live");
    expect(sealed.keyId).toBe(ring.current.id);
    expect(await unseal(ring, { ...row, ...sealed })).toBe("sk-live-123456");
    expect((await seal(ring, row, "sk-live-123456")).iv).not.toBe(sealed.iv);
  });

  it("refuses a ciphertext moved to another name or id", async () => {
    const ring = await keyring(KEY_A, undefined);
    const sealed = await seal(ring, row, "value");
    await expect(unseal(ring, { ...row, name: "OTHER", ...sealed })).rejects.toThrow(SealingError);
    await expect(unseal(ring, { ...row, id: "sec_2", ...sealed })).rejects.toThrow(/altered or belongs to another row/);
  });

  it("reads the previous generation during a rotation, and names an unknown key instead of returning garbage", async () => {
    const old = await keyring(KEY_A, undefined);
    const sealed = await seal(old, row, "value");
    const rotating = await keyring(KEY_B, KEY_A);
    expect(await unseal(rotating, { ...row, ...sealed })).toBe("value");
    const wrong = await keyring(KEY_B, undefined);
    await expect(unseal(wrong, { ...row, ...sealed })).rejects.toThrow(/sealed with key [0-9a-f]{12}, which is neither/);
    expect(old.current.id).not.toBe(wrong.current.id);
    expect(KEY_A).not.toContain(old.current.id);
  });

  it("refuses a missing or short key", async () => {
    await expect(keyring(undefined, undefined)).rejects.toThrow(/KILN_SECRETS_KEY is not set/);
    await expect(keyring("short", undefined)).rejects.toThrow(/at least 32 bytes/);
  });
});

describe("credential comparison", () => {
  it("matches the platform secret only, whatever the lengths, and follows a rotated one", async () => {
    expect(await matchesSecret("admin-key-1", "admin-key-1")).toBe(true);
    expect(await matchesSecret("admin-key-", "admin-key-1")).toBe(false);
    expect(await matchesSecret("admin-key-1-and-more", "admin-key-1")).toBe(false);
    expect(await matchesSecret("", "admin-key-1")).toBe(false);
    // The digest of the first secret is cached; a new secret is compared against its own.
    expect(await matchesSecret("admin-key-1", "admin-key-2")).toBe(false);
    expect(await matchesSecret("admin-key-2", "admin-key-2")).toBe(true);
  });

  it("matches a key's secret against its stored digest, and never a malformed digest", async () => {
    const stored = await sha256Hex("the-secret");
    expect(await matchesDigest("the-secret", stored)).toBe(true);
    expect(await matchesDigest("the-secret", stored.toUpperCase())).toBe(true);
    expect(await matchesDigest("the-secreT", stored)).toBe(false);
    expect(await matchesDigest("the-secret", stored.slice(0, 62))).toBe(false);
    expect(await matchesDigest("the-secret", `${stored}00`)).toBe(false);
    expect(await matchesDigest("the-secret", "zz".repeat(32))).toBe(false);
    expect(await matchesDigest("the-secret", "")).toBe(false);
  });
});
