/**
 * CSRF defence for the dashboard's session cookie. A cookie is sent by the browser whatever page
 * made the request, and SameSite=Strict does not stop a sibling subdomain or another local port
 * (same site, different origin). So a write that the cookie authenticates must prove it comes from
 * Kiln's own origin: `Origin` equal to the request's origin, or `Sec-Fetch-Site: same-origin`
 * (neither can be set by page script), and a JSON content type (which a plain HTML form cannot
 * send). Bearer credentials are not ambient and need none of this. Imports Hono types and errors.
 */
import type { Context } from "hono";
import { AppError } from "../errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Throws 403 unless a cookie-authenticated request is a read, or a same-origin JSON write. */
export function assertSameOriginWrite(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AppError("forbidden", 403, "a write made with the session cookie must be sent with `content-type: application/json`");
  }
  const origin = c.req.header("origin");
  if (origin === new URL(c.req.url).origin || c.req.header("sec-fetch-site") === "same-origin") return;
  throw new AppError(
    "forbidden",
    403,
    "a write made with the session cookie must come from Kiln's own origin (`Origin` or `Sec-Fetch-Site: same-origin`); other clients send `Authorization: Bearer <key>`",
  );
}
