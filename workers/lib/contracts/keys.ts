/**
 * API keys, agent tokens and scopes. Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName, RateLimit } from "./functions";

/** What a credential may do. `admin` implies every other scope. */
export const Scope = z.enum([
  "admin",
  "functions:read",
  "functions:write",
  "tools:call",
  "jobs:write",
  "jobs:read",
  "runs:read",
  "keys:manage",
  "secrets:read",
  "secrets:write",
  "audit:read",
  "webhooks:read",
  "webhooks:write",
  "schedules:read",
  "schedules:write",
  "alerts:read",
  "alerts:write",
]);
export type Scope = z.infer<typeof Scope>;

export const CreateKeyRequest = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(Scope).min(1).max(Scope.options.length),
  /** Functions this key may touch; omitted or null means all. */
  functions: z.array(FunctionName).max(100).nullable().optional(),
  /** Tool calls and job starts by this key and every token and session minted from it; omitted or null means none. */
  rateLimit: RateLimit.nullable().optional(),
});
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(Scope),
  functions: z.array(z.string()).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  rateLimit: RateLimit.nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

/** The one response that carries the key itself, returned once at creation. */
export const CreatedKey = ApiKeyView.extend({ key: z.string() });
export type CreatedKey = z.infer<typeof CreatedKey>;

export const MintTokenRequest = z.strictObject({
  scopes: z.array(Scope).min(1),
  functions: z.array(FunctionName).max(100).nullable().optional(),
  /** Lifetime in seconds, at most one hour. */
  ttlSeconds: z.number().int().min(30).max(3600).default(900),
});
export type MintTokenRequest = z.infer<typeof MintTokenRequest>;

/** `DELETE /v1/tokens?subject=admin`: revokes every token and session minted with the admin key. */
export const RevokeTokensQuery = z.strictObject({ subject: z.literal("admin") });
export type RevokeTokensQuery = z.infer<typeof RevokeTokensQuery>;

export const SessionRequest = z.strictObject({ key: z.string().min(1).max(512) });
export type SessionRequest = z.infer<typeof SessionRequest>;
