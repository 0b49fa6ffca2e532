/**
 * A version's manifest: what the code declares in defineFunction(), overridden field by field by
 * the deploy request, over Kiln's defaults. Pure.
 */
import { Manifest, type ManifestOverrides, type Manifest as ManifestT } from "../contracts/functions";
import type { FieldIssue } from "../contracts/problem";

/** What the isolate's describe() reports; null where the code declares nothing. */
export interface Declared {
  description: string | null;
  input: Record<string, unknown> | null;
  output: Record<string, unknown> | null;
  secrets: ManifestT["secrets"] | null;
  egress: string[] | null;
  timeoutMs: number | null;
  jobTimeoutMs: number | null;
  retries: ManifestT["retries"] | null;
  concurrency: number | null;
  /** Optional so that callers built before the field existed still type-check. */
  rateLimit?: ManifestT["rateLimit"];
  exposures: Partial<ManifestT["exposures"]> | null;
  /** Optional so that callers built before the field existed still type-check. */
  invokes?: string[] | null;
}

export const MANIFEST_DEFAULTS: ManifestT = {
  description: "",
  input: { type: "object" },
  output: null,
  secrets: [],
  egress: [],
  timeoutMs: 30_000,
  jobTimeoutMs: 86_400_000,
  retries: { limit: 3, delayMs: 1_000, backoff: "exponential" },
  concurrency: null,
  rateLimit: null,
  exposures: { tool: true, job: true },
  invokes: [],
};

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

export function resolveManifest(
  declared: Declared,
  overrides: ManifestOverrides = {},
): { ok: true; manifest: ManifestT } | { ok: false; issues: FieldIssue[] } {
  const exposures = { ...MANIFEST_DEFAULTS.exposures, ...defined(declared.exposures ?? {}), ...overrides.exposures };
  const merged = { ...MANIFEST_DEFAULTS, ...defined(declared), ...defined(overrides), exposures };
  const parsed = Manifest.safeParse(merged);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: `/manifest/${i.path.join("/")}`, message: i.message })) };
  }
  if (parsed.data.input.type !== "object") {
    return { ok: false, issues: [{ path: "/manifest/input", message: 'the input schema must describe an object ("type": "object")' }] };
  }
  return { ok: true, manifest: parsed.data };
}
