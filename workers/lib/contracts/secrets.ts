/**
 * Secrets, grants and function environment variables: requests and views. A secret's value is
 * write-only: no view carries it. Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName } from "./functions";

/** Names of secrets and environment variables: upper-case identifiers, `KILN_*` reserved. */
export const ConfigName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be an upper-case identifier: A-Z, 0-9 and '_', starting with a letter, at most 64 characters")
  .refine((n) => !n.startsWith("KILN_"), "names starting with KILN_ are reserved");

export const MAX_SECRET_BYTES = 16 * 1024;
/** Most secrets one Kiln holds (GET /v1/secrets lists them all). */
export const MAX_SECRETS = 500;

export const PutSecretRequest = z.strictObject({ value: z.string().min(1).max(MAX_SECRET_BYTES) });
export type PutSecretRequest = z.infer<typeof PutSecretRequest>;

export const SecretView = z.object({
  name: z.string(),
  /** Functions granted this secret. */
  grants: z.array(z.string()),
  /** Fingerprint of the KILN_SECRETS_KEY generation that sealed it (not the key). */
  keyId: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  lastUsedAt: z.string().nullable(),
});
export type SecretView = z.infer<typeof SecretView>;

/** The set of secrets a function may read (replaces the previous set). */
export const PutGrantsRequest = z.strictObject({ secrets: z.array(ConfigName).max(50) });
export type PutGrantsRequest = z.infer<typeof PutGrantsRequest>;

export const MAX_ENV_VARS = 64;
export const MAX_ENV_VALUE_CHARS = 4096;
export const MAX_ENV_TOTAL_CHARS = 32 * 1024;

/** A function's environment variables (replaces the previous set). */
export const FunctionEnv = z
  .record(ConfigName, z.string().max(MAX_ENV_VALUE_CHARS))
  .refine((env) => Object.keys(env).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} variables`)
  .refine(
    (env) => Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length, 0) <= MAX_ENV_TOTAL_CHARS,
    `at most ${MAX_ENV_TOTAL_CHARS} characters in all`,
  );
export type FunctionEnv = z.infer<typeof FunctionEnv>;

export const PutEnvRequest = z.strictObject({ env: FunctionEnv });
export type PutEnvRequest = z.infer<typeof PutEnvRequest>;

/** A function's own run retention in days (1 to 3650), or null for the platform default. */
export const PutRetentionRequest = z.strictObject({ days: z.number().int().min(1).max(3650).nullable() });
export type PutRetentionRequest = z.infer<typeof PutRetentionRequest>;

export const FunctionConfigView = z.object({
  function: FunctionName,
  /** Secret names granted to the function. */
  grants: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  /** How many days its runs are kept; null: the platform default (30 days unless KILN_RUN_RETENTION_DAYS says otherwise). */
  retentionDays: z.number().int().nullable(),
});
export type FunctionConfigView = z.infer<typeof FunctionConfigView>;

export const RekeyResult = z.object({ resealed: z.number(), keyId: z.string() });
export type RekeyResult = z.infer<typeof RekeyResult>;
