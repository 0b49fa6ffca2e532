/**
 * Functions, versions and their manifest: the deploy request and what the API returns.
 * Imports nothing but zod.
 */
import { z } from "zod";

/** A function name: a lowercase slug, usable in URLs, tool names and MCP. */
export const FunctionName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a lowercase slug: a-z, 0-9 and '-', starting with a letter, at most 63 characters");
export type FunctionName = z.infer<typeof FunctionName>;

/** A source file path inside a function: relative, no '..', a .ts or .js module (or .json data). */
export const SourcePath = z
  .string()
  .max(200)
  .regex(
    /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_\-./]+\.(ts|mts|js|mjs|json)$/,
    "must be a relative .ts, .js or .json path without '..'",
  );

/** A JSON Schema document (validated structurally when it is compiled). */
export const JsonSchema = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof JsonSchema>;

export const HostPattern = z
  .string()
  .regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/, "must be a host name, optionally starting with '*.'");

const SecretRefName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be an upper-case identifier");

/**
 * A secret the function asks for: a name (its value is in `ctx.secrets`), or a name bound to
 * hosts, whose value never enters the isolate: Kiln's egress injects it into request headers that
 * carry `ctx.secrets.ref(name)`, and only on requests to those hosts.
 */
export const SecretRequirement = z.union([
  SecretRefName,
  z.strictObject({ name: SecretRefName, hosts: z.array(HostPattern).min(1).max(20) }),
]);
export type SecretRequirement = z.infer<typeof SecretRequirement>;

/** The names of the secrets a manifest asks for. */
export const secretNames = (requirements: readonly SecretRequirement[]): string[] =>
  requirements.map((s) => (typeof s === "string" ? s : s.name));

export const RetryPolicy = z.strictObject({
  limit: z.number().int().min(0).max(20),
  delayMs: z.number().int().min(0).max(3_600_000),
  backoff: z.enum(["constant", "linear", "exponential"]),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** At most `requests` calls per `perSeconds` seconds (a token bucket: bursts up to `requests`, refilled evenly). */
export const RateLimit = z.strictObject({
  requests: z.number().int().min(1).max(100_000),
  perSeconds: z.number().int().min(1).max(86_400),
});
export type RateLimit = z.infer<typeof RateLimit>;

export const Exposures = z.strictObject({ tool: z.boolean(), job: z.boolean() });
export type Exposures = z.infer<typeof Exposures>;

/** Everything about a version except its code. Stored with the version, immutable. */
export const Manifest = z.strictObject({
  description: z.string().max(1000),
  input: JsonSchema,
  output: JsonSchema.nullable(),
  secrets: z
    .array(SecretRequirement)
    .max(50)
    .refine((list) => new Set(secretNames(list)).size === list.length, "each secret may be listed once"),
  egress: z.array(HostPattern).max(50),
  /** Wall-clock limit of one tool call. */
  timeoutMs: z.number().int().min(100).max(900_000),
  /** Wall-clock limit of a whole job, sleeps and waits included. */
  jobTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  retries: RetryPolicy,
  concurrency: z.number().int().min(1).max(1000).nullable(),
  /** Tool calls and job starts of this function; versions stored before the field existed have none. */
  rateLimit: RateLimit.nullable().default(null),
  exposures: Exposures,
  /** The functions this one may call with ctx.invoke; versions stored before the field existed call none. */
  invokes: z
    .array(FunctionName)
    .max(50)
    .refine((list) => new Set(list).size === list.length, "each function may be listed once")
    .default([]),
});
export type Manifest = z.infer<typeof Manifest>;

/** What a deploy may set in the manifest; anything omitted comes from the code's defineFunction() or the defaults. */
export const ManifestOverrides = Manifest.extend({
  // Without their defaults: a field the deploy request leaves out must not override the code's value.
  jobTimeoutMs: Manifest.shape.jobTimeoutMs.unwrap(),
  rateLimit: Manifest.shape.rateLimit.unwrap(),
  invokes: Manifest.shape.invokes.unwrap(),
}).partial();
export type ManifestOverrides = z.infer<typeof ManifestOverrides>;

export const MAX_SOURCE_BYTES = 512 * 1024;

export const DeployRequest = z
  .strictObject({
    name: FunctionName,
    /** One-file shorthand: the source of `entry` (default index.ts). */
    code: z.string().min(1).optional(),
    /** Several files: path → source. */
    files: z.record(SourcePath, z.string()).optional(),
    entry: SourcePath.optional(),
    manifest: ManifestOverrides.optional(),
  })
  .refine((d) => (d.code === undefined) !== (d.files === undefined), {
    message: "give exactly one of `code` or `files`",
    path: ["code"],
  });
export type DeployRequest = z.infer<typeof DeployRequest>;

export const RollbackRequest = z.strictObject({ version: z.number().int().min(1) });
export type RollbackRequest = z.infer<typeof RollbackRequest>;

export const VersionView = z.object({
  id: z.string(),
  function: z.string(),
  number: z.number(),
  active: z.boolean(),
  manifest: Manifest,
  entry: z.string(),
  sha256: z.string(),
  sizeBytes: z.number(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type VersionView = z.infer<typeof VersionView>;

/** A deploy's answer: the version now active, and whether it is the one that was already active (no new version). */
export const DeployResponse = VersionView.extend({ unchanged: z.boolean() });
export type DeployResponse = z.infer<typeof DeployResponse>;

export const FunctionView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  activeVersion: z.number().nullable(),
  exposures: Exposures,
  createdAt: z.string(),
  updatedAt: z.string(),
  lastRun: z.object({ id: z.string(), status: z.string(), createdAt: z.string() }).nullable(),
});
export type FunctionView = z.infer<typeof FunctionView>;

/** A function in full: the list item plus its active version, its number of versions and its concurrency line. */
export const FunctionDetail = FunctionView.extend({
  /** The version `activeVersion` names, with its manifest. */
  currentVersion: VersionView,
  versions: z.number().int(),
  /** Jobs holding one of the function's `limit` slots and jobs waiting for one (null without a limit). */
  concurrency: z.object({ limit: z.number(), running: z.array(z.string()), waiting: z.array(z.string()) }).nullable(),
});
export type FunctionDetail = z.infer<typeof FunctionDetail>;

/** What a rollback answers: the number now active and that version. */
export const RollbackResponse = z.object({ activeVersion: z.number(), currentVersion: VersionView });
export type RollbackResponse = z.infer<typeof RollbackResponse>;
