// Secret values at rest: AES-GCM bound to their row, key generations, and loud failures.
import { describe, expect, it } from "vitest";
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
