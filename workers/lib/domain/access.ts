/**
 * Who may do what: scopes and function allow-lists of a principal. Pure.
 */
import type { RateLimit } from "../contracts/functions";
import type { Scope } from "../contracts/keys";

/** The authenticated caller of a request. */
export interface Principal {
  /** `oauth`: an access token a hosted MCP client got through the consent page. */
  kind: "admin" | "key" | "token" | "session" | "oauth";
  /** `admin`, or the id of the API key the credential belongs to. */
  keyId: string;
  scopes: readonly Scope[];
  /** Function names this principal may touch; null means all. */
  functions: readonly string[] | null;
  /** For tokens, sessions and OAuth tokens: when the credential expires (epoch ms); what it mints ends no later. */
  expiresAt?: number;
  /** For tokens and sessions: the JWT's `jti`, by which it is revoked. */
  tokenId?: string;
  /** The rate limit of the API key behind the credential (shared by its tokens and sessions). */
  rateLimit?: RateLimit | null;
}

export type AccessDenied = { reason: "missing_scope"; scope: Scope } | { reason: "function_not_allowed"; fn: string };

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes("admin") || p.scopes.includes(scope);
}

export function canTouchFunction(p: Principal, fn: string): boolean {
  return p.functions === null || p.functions.includes(fn);
}

/** null when allowed; otherwise why not. */
export function checkAccess(p: Principal, scope: Scope, fn?: string): AccessDenied | null {
  if (!hasScope(p, scope)) return { reason: "missing_scope", scope };
  if (fn !== undefined && !canTouchFunction(p, fn)) return { reason: "function_not_allowed", fn };
  return null;
}

/**
 * Narrows a requested grant to what the granting principal holds: a credential can never mint
 * another with more scopes or more functions than its own.
 */
export function narrowGrant(
  granter: Principal,
  scopes: readonly Scope[],
  functions: readonly string[] | null,
): { ok: true; scopes: Scope[]; functions: string[] | null } | { ok: false; detail: string } {
  const excess = scopes.filter((s) => !hasScope(granter, s) || (s === "admin" && !granter.scopes.includes("admin")));
  if (excess.length > 0) return { ok: false, detail: `cannot grant scopes you do not hold: ${excess.join(", ")}` };
  if (granter.functions !== null) {
    if (functions === null) return { ok: false, detail: "your credential is limited to some functions: list them in `functions`" };
    const outside = functions.filter((f) => !granter.functions?.includes(f));
    if (outside.length > 0) return { ok: false, detail: `cannot grant functions you may not touch: ${outside.join(", ")}` };
  }
  return { ok: true, scopes: [...new Set(scopes)], functions: functions === null ? null : [...new Set(functions)] };
}

/**
 * Whether a credential's rights (scopes, functions) lie within `manager`'s, by the same rule as
 * `narrowGrant`: what `manager` could have created, it may see and revoke; nothing else.
 */
export function withinRights(manager: Principal, scopes: readonly Scope[], functions: readonly string[] | null): boolean {
  return narrowGrant(manager, scopes, functions).ok;
}

/** When a credential minted by `parent` expires (epoch ms): after `ttlMs`, but never after its parent. */
export function childExpiry(parent: Principal, now: number, ttlMs: number): number {
  return parent.expiresAt === undefined ? now + ttlMs : Math.min(now + ttlMs, parent.expiresAt);
}
