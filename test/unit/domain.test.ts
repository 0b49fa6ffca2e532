// Pure logic: access narrowing, egress matching, manifest resolution, tool rendering.
import { describe, expect, it } from "vitest";
import { checkAccess, narrowGrant, type Principal } from "../../workers/lib/domain/access";
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from "../../workers/lib/domain/bytes";
import { hostAllowed, refusedTarget } from "../../workers/lib/domain/egress";
import { fetchFailureKind } from "../../workers/lib/domain/fetch-failure";
import { validateInput } from "../../workers/lib/domain/json-schema";
import { MANIFEST_DEFAULTS, resolveManifest } from "../../workers/lib/domain/manifest";

const key = (scopes: Principal["scopes"], functions: string[] | null = null): Principal => ({
  kind: "key",
  keyId: "key_x",
  scopes,
  functions,
});

describe("access", () => {
  it("admin implies every scope; other scopes are exact", () => {
    expect(checkAccess(key(["admin"]), "keys:manage", "any")).toBeNull();
    expect(checkAccess(key(["tools:call"]), "runs:read")).toEqual({ reason: "missing_scope", scope: "runs:read" });
    expect(checkAccess(key(["tools:call"], ["a"]), "tools:call", "b")).toEqual({ reason: "function_not_allowed", fn: "b" });
    expect(checkAccess(key(["tools:call"], ["a"]), "tools:call", "a")).toBeNull();
  });

  it("never grants more than the granter holds", () => {
    expect(narrowGrant(key(["admin"]), ["admin"], null)).toEqual({ ok: true, scopes: ["admin"], functions: null });
    expect(narrowGrant(key(["keys:manage", "tools:call"]), ["admin"], null).ok).toBe(false);
    expect(narrowGrant(key(["tools:call"], ["a"]), ["tools:call"], null).ok).toBe(false);
    expect(narrowGrant(key(["tools:call"], ["a"]), ["tools:call"], ["a", "b"]).ok).toBe(false);
    expect(narrowGrant(key(["tools:call"], ["a"]), ["tools:call", "tools:call"], ["a"])).toEqual({
      ok: true,
      scopes: ["tools:call"],
      functions: ["a"],
    });
  });
});

describe("egress allow-list", () => {
  it("matches exact hosts, wildcard subdomains and explicit ports", () => {
    expect(hostAllowed("api.openai.com", ["api.openai.com"])).toBe(true);
    expect(hostAllowed("API.OpenAI.com", ["api.openai.com"])).toBe(true);
    expect(hostAllowed("api.openai.com:443", ["api.openai.com"])).toBe(true);
    expect(hostAllowed("evil-api.openai.com", ["api.openai.com"])).toBe(false);
    expect(hostAllowed("a.b.example.com", ["*.example.com"])).toBe(true);
    expect(hostAllowed("example.com", ["*.example.com"])).toBe(false);
    expect(hostAllowed("badexample.com", ["*.example.com"])).toBe(false);
    expect(hostAllowed("localhost:9000", ["localhost:8080"])).toBe(false);
    expect(hostAllowed("anything.com", [])).toBe(false);
  });
});

describe("manifest", () => {
  it("layers deploy overrides over what the code declares over the defaults", () => {
    const declared = {
      description: "from code",
      input: { type: "object", properties: { a: { type: "string" } } },
      output: null,
      secrets: ["API_KEY"],
      egress: ["api.example.com"],
      timeoutMs: 5000,
      jobTimeoutMs: null,
      retries: null,
      concurrency: null,
      exposures: { job: false },
    };
    const r = resolveManifest(declared, { timeoutMs: 1000, exposures: { tool: false, job: true } });
    expect(r).toEqual({
      ok: true,
      manifest: {
        ...MANIFEST_DEFAULTS,
        description: "from code",
        input: declared.input,
        secrets: ["API_KEY"],
        egress: ["api.example.com"],
        timeoutMs: 1000,
        exposures: { tool: false, job: true },
      },
    });
    const nothing = resolveManifest({
      ...declared,
      description: null,
      input: null,
      secrets: null,
      egress: null,
      timeoutMs: null,
      exposures: null,
    });
    expect(nothing.ok && nothing.manifest.exposures).toEqual({ tool: true, job: true });
  });

  it("refuses a non-object input schema and out-of-range values", () => {
    const base = {
      description: null,
      input: null,
      output: null,
      secrets: null,
      egress: null,
      timeoutMs: null,
      jobTimeoutMs: null,
      retries: null,
      concurrency: null,
      exposures: null,
    };
    expect(resolveManifest({ ...base, input: { type: "string" } })).toEqual({
      ok: false,
      issues: [{ path: "/manifest/input", message: expect.stringContaining("object") }],
    });
    const bad = resolveManifest(base, { timeoutMs: 5 });
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(["/manifest/timeoutMs"]);
  });
});

describe("input validation", () => {
  it("reports leaf errors with JSON pointer paths", () => {
    const schema = {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "array", items: { type: "number" } } },
      required: ["a"],
    };
    expect(validateInput("t1", schema, { a: "x", b: [1, 2] })).toEqual([]);
    const issues = validateInput("t1", schema, { b: [1, "two"] });
    expect(issues.map((i) => i.path).sort()).toEqual(["/", "/b/1"]);
    expect(issues.find((i) => i.path === "/")?.message).toContain('"a"');
  });
});

describe("egress targets refused whatever the allow-list", () => {
  const refused = (raw: string) => refusedTarget(new URL(raw));
  it.each([
    "http://127.0.0.1/",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/",
    "http://[fd00::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://allowed.com@evil.com/",
    "http://user:pw@allowed.com/",
    "ftp://allowed.com/",
    "file:///etc/passwd",
  ])("refuses %s", (raw) => {
    expect(refused(raw)).not.toBeNull();
  });

  it("lets ordinary host names through, and local targets only with the admin setting", () => {
    expect(refused("https://api.openai.com/v1/x")).toBeNull();
    expect(refused("https://8.8.8.8.example.com/")).toBeNull();
    expect(refusedTarget(new URL("http://127.0.0.1:9000/"), true)).toBeNull();
    expect(refusedTarget(new URL("http://u@127.0.0.1:9000/"), true)).not.toBeNull();
  });
});

describe("byte encodings", () => {
  it("round-trips hex and base64, and refuses malformed text with null", () => {
    const bytes = Uint8Array.from([0, 1, 127, 128, 255]);
    expect(bytesToHex(bytes)).toBe("00017f80ff");
    expect(hexToBytes("00017f80ff")).toEqual(bytes);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    for (const bad of ["0", "zz", ""]) expect(hexToBytes(bad)).toBeNull();
    for (const bad of ["abc", "ab$=", "a==="]) expect(base64ToBytes(bad)).toBeNull();
  });
});

describe("fetchFailureKind", () => {
  it("reads the likely cause of a failed fetch from what the runtime threw", () => {
    expect(fetchFailureKind("Error", "Network connection lost.")).toBe("connection");
    expect(fetchFailureKind("Error", "internal error; reference = 16qd62lro67o9062a0gjqeis")).toBe("dns");
    expect(fetchFailureKind("TimeoutError", "The operation was aborted due to timeout")).toBe("timeout");
    expect(fetchFailureKind("Error", "TLS peer's certificate is not trusted")).toBe("tls");
    expect(fetchFailureKind("AbortError", "The operation was aborted")).toBe("aborted");
    expect(fetchFailureKind("TypeError", "Invalid URL")).toBe("other");
  });
});
