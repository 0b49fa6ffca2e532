/**
 * Recording an audit event for the request being served: who (the credential's key id and kind),
 * what, on what, from which IP. Awaited, so an action the API confirmed is always in the log.
 */
import type { Context } from "hono";
import type { AuditAction } from "../lib/contracts/audit";
import type { Principal } from "../lib/domain/access";
import { appendAudit } from "../lib/infra/db/audit.repo";
import { newId } from "../lib/infra/ids";
import type { AppEnv } from "./types";

/** `actor` defaults to the request's credential; routes outside `requireAuth` (sessions) pass it. */
export async function audit(
  c: Context<AppEnv>,
  action: AuditAction,
  target: string,
  detail: Record<string, unknown> = {},
  principal: Pick<Principal, "keyId" | "kind"> = c.get("principal"),
): Promise<void> {
  const at = Date.now();
  await appendAudit(c.get("db"), {
    id: newId("aud", at),
    at,
    actorKeyId: principal.keyId,
    actorKind: principal.kind,
    action,
    target,
    detail: JSON.stringify(detail),
    ip: c.req.header("cf-connecting-ip") ?? null,
  });
}
