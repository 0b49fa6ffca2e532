/**
 * Credentials: the admin key, API keys (`kiln_<id>_<secret>`), jose-signed JWTs (agent tokens
 * and dashboard sessions) and OAuth access tokens of hosted MCP clients (./oauth). Every failure is the same generic `null` to callers: why a credential
 * was refused is never told to the client.
 *
 * A JWT carries only who minted it (`sub`), its kind, its `jti` and its expiry; its rights live in
 * its `issued_tokens` row. So every token stays a few hundred characters whatever it may touch
 * (a cookie or a bearer header always fits), and every token can be revoked by its `jti`.
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Scope } from "../contracts/keys";
import { childExpiry, type Principal } from "../domain/access";
import { matchesDigest, matchesSecret, sha256Hex } from "./crypto";
import type { Db } from "./db/functions.repo";
import { findIssuedGrant, findKeyGrant, insertIssuedToken, type KeyGrant } from "./db/keys.repo";
import { newId, randomToken } from "./ids";
import { looksLikeOAuthToken, validateOAuthToken } from "./oauth";

const KEY_PATTERN = /^kiln_([0-9a-z]{26})_([A-Za-z0-9_-]{43})$/;
const ISSUER = "kiln";
const AUDIENCE = "kiln";

export interface NewKeySecret {
  id: string;
  key: string;
  secretHash: string;
  prefix: string;
}

/** Makes a key for the given id (`key_<26 chars>`); only the hash is ever stored. */
export async function newKeySecret(id: string): Promise<NewKeySecret> {
  const secret = randomToken(32);
  const body = id.slice("key_".length);
  return { id, key: `kiln_${body}_${secret}`, secretHash: await sha256Hex(secret), prefix: keyPrefix(id) };
}

/**
 * The start of a key as lists show it: the id's 10 time characters and 6 of its random ones, so
 * keys made in the same millisecond still differ. It is part of the id, never of the secret.
 */
export function keyPrefix(id: string): string {
  return `kiln_${id.slice("key_".length, "key_".length + 16)}`;
}

function signingKey(secret: string): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < 32) throw new Error("KILN_SIGNING_KEY must be at least 32 bytes");
  return bytes;
}

const TokenClaims = z.object({
  sub: z.string(),
  knd: z.enum(["token", "session"]),
  jti: z.string().min(1),
  exp: z.number(),
});

export interface MintedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

/**
 * Records and signs a token or session minted by `parent` with the given (already narrowed)
 * rights. It expires after `ttlSeconds`, or with its parent if that comes first.
 */
export async function mintToken(
  env: { signingKey: string; db: Db },
  parent: Principal,
  p: { kind: "token" | "session"; scopes: readonly Scope[]; functions: readonly string[] | null },
  ttlSeconds: number,
): Promise<MintedToken> {
  const now = Date.now();
  // JWT `exp` is in whole seconds: round down so the token never outlives its parent.
  const expSeconds = Math.floor(childExpiry(parent, now, ttlSeconds * 1000) / 1000);
  const jti = newId(p.kind === "token" ? "tok" : "ses", now);
  await insertIssuedToken(env.db, {
    jti,
    kind: p.kind,
    subject: parent.keyId,
    parent: parent.tokenId ?? null,
    scopes: JSON.stringify(p.scopes),
    functions: p.functions === null ? null : JSON.stringify(p.functions),
    createdAt: now,
    expiresAt: expSeconds * 1000,
  });
  const token = await new SignJWT({ knd: p.kind })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(parent.keyId)
    .setJti(jti)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(expSeconds)
    .sign(signingKey(env.signingKey));
  return { token, jti, expiresAt: new Date(expSeconds * 1000) };
}

export interface AuthEnv {
  adminKey: string;
  signingKey: string;
  db: Db;
  /** For OAuth access tokens: the bindings (OAUTH_KV) and the request's URL (its origin is the issuer). */
  oauth?: { env: Env; url: string };
}

/** A key's grant, if the key behind a credential still exists and is not revoked. */
async function liveGrant(db: Db, keyId: string): Promise<KeyGrant | null> {
  const grant = await findKeyGrant(db, keyId);
  return grant && !grant.revoked ? grant : null;
}

async function fromApiKey(env: AuthEnv, credential: string): Promise<{ principal: Principal; grant: KeyGrant } | null> {
  const match = KEY_PATTERN.exec(credential);
  if (!match?.[1] || !match[2]) return null;
  const grant = await liveGrant(env.db, `key_${match[1]}`);
  // Hash and compare even when the key is unknown, so timing says nothing about which ids exist.
  const ok = await matchesDigest(match[2], grant?.secretHash ?? "0".repeat(64));
  if (!grant || !ok) return null;
  const { id: keyId, scopes, functions, rateLimit } = grant;
  return { principal: { kind: "key", keyId, scopes, functions, rateLimit }, grant };
}

async function fromJwt(env: AuthEnv, credential: string, expected: "token" | "session"): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(credential, signingKey(env.signingKey), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const claims = TokenClaims.safeParse(payload);
    if (!claims.success || claims.data.knd !== expected) return null;
    const { sub, jti, exp } = claims.data;
    // A token never outlives the key it came from, nor its own revocation.
    const [issued, key] = await Promise.all([findIssuedGrant(env.db, jti), sub === "admin" ? null : liveGrant(env.db, sub)]);
    if (!issued || issued.revoked || issued.kind !== expected || issued.subject !== sub || (sub !== "admin" && !key)) return null;
    // Tokens and sessions share the bucket of the key they came from (limits are not rights: a
    // token cannot escape its key's limit by being minted).
    const rateLimit = key?.rateLimit ?? null;
    return {
      kind: expected,
      keyId: sub,
      scopes: issued.scopes,
      functions: issued.functions,
      expiresAt: exp * 1000,
      tokenId: jti,
      rateLimit,
    };
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
}

/**
 * An OAuth access token: its grant's rights, while the key that consented still lives. Like agent
 * tokens, it shares that key's rate limit. It mints nothing (`tokenId` unset; its scopes never
 * include keys:manage), so nothing outlives the grant's revocation.
 */
async function fromOAuthToken(env: AuthEnv, credential: string): Promise<Principal | null> {
  if (!env.oauth) return null;
  const valid = await validateOAuthToken(env.oauth.env, env.oauth.url, credential);
  if (!valid) return null;
  const { keyId, scopes, functions } = valid.props;
  const key = keyId === "admin" ? null : await liveGrant(env.db, keyId);
  if (keyId !== "admin" && !key) return null;
  return { kind: "oauth", keyId, scopes, functions, expiresAt: valid.expiresAt * 1000, rateLimit: key?.rateLimit ?? null };
}

export type Authenticated = { principal: Principal; grant?: KeyGrant };

/** A bearer credential: the admin key, an API key, an agent token, or an OAuth access token. */
export async function authenticateBearer(env: AuthEnv, credential: string): Promise<Authenticated | null> {
  if (credential.startsWith("kiln_")) return fromApiKey(env, credential);
  if (credential.startsWith("eyJ")) {
    const principal = await fromJwt(env, credential, "token");
    return principal ? { principal } : null;
  }
  if (looksLikeOAuthToken(credential)) {
    const principal = await fromOAuthToken(env, credential);
    if (principal) return { principal };
  }
  if (await matchesSecret(credential, env.adminKey)) {
    return { principal: { kind: "admin", keyId: "admin", scopes: ["admin"], functions: null } };
  }
  return null;
}

/** A dashboard session cookie. */
export async function authenticateSession(env: AuthEnv, cookie: string): Promise<Authenticated | null> {
  const principal = await fromJwt(env, cookie, "session");
  return principal ? { principal } : null;
}
