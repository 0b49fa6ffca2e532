/**
 * OAuth for hosted MCP clients: the consent page's request and answer, and granted clients as the
 * dashboard lists them. Imports nothing but zod.
 */
import { z } from "zod";
import { FunctionName } from "./functions";
import { Scope } from "./keys";

/**
 * Scopes an OAuth client may be granted: every scope but `admin` and `keys:manage`, so a hosted
 * client can never mint credentials or manage keys, whatever its user holds.
 */
export const OAuthScope = Scope.exclude(["admin", "keys:manage"]);
export type OAuthScope = z.infer<typeof OAuthScope>;

/** What the consent page offers ticked: the scopes a tool-calling agent needs. */
export const DEFAULT_OAUTH_SCOPES: readonly OAuthScope[] = ["tools:call", "jobs:write", "jobs:read"];

/** A consent transaction's handle: 256 random bits, base64url (from the OAuth library). */
export const ConsentHandle = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "must be the handle from the consent page's address");

export const ConsentQuery = z.strictObject({ handle: ConsentHandle });
export type ConsentQuery = z.infer<typeof ConsentQuery>;

/** What the consent page shows: who asks, where the access goes, and what the user may grant. */
export const ConsentView = z.object({
  clientId: z.string(),
  /** Self-asserted by the client at registration: not verified. */
  clientName: z.string(),
  clientUri: z.string().nullable(),
  redirectUri: z.string(),
  redirectHost: z.string(),
  /** The redirect goes to an app on the user's own computer (any local process could listen). */
  redirectIsLoopback: z.boolean(),
  /** Scopes the client asked for (may be none, or some it cannot get). */
  requestedScopes: z.array(z.string()),
  /** Scopes the signed-in user may grant (never more than their own credential holds). */
  grantableScopes: z.array(OAuthScope),
  /** Ticked at first. */
  defaultScopes: z.array(OAuthScope),
  /** Functions the user may grant; null means all (the user's key is not limited). */
  grantableFunctions: z.array(z.string()).nullable(),
});
export type ConsentView = z.infer<typeof ConsentView>;

/** The consent page's answer. `functions` null grants all the user's functions (only if they have all). */
export const ConsentDecision = z.discriminatedUnion("approve", [
  z.strictObject({
    handle: ConsentHandle,
    approve: z.literal(true),
    scopes: z.array(OAuthScope).min(1).max(OAuthScope.options.length),
    functions: z.array(FunctionName).max(100).nullable(),
  }),
  z.strictObject({ handle: ConsentHandle, approve: z.literal(false) }),
]);
export type ConsentDecision = z.infer<typeof ConsentDecision>;

/** Where the browser goes next: back to the client, with a code or with `error=access_denied`. */
export const ConsentResult = z.object({ redirectTo: z.string() });
export type ConsentResult = z.infer<typeof ConsentResult>;

/** One client the signed-in user granted access to. */
export const OAuthGrantView = z.object({
  id: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  scopes: z.array(z.string()),
  /** null: every function the user's key may touch. */
  functions: z.array(z.string()).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type OAuthGrantView = z.infer<typeof OAuthGrantView>;

export const OAuthGrantId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a grant id from GET /v1/oauth/grants");
