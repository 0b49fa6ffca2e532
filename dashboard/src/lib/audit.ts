/** Display helpers for the audit log. Pure. */
import type { AuditEventView } from "../api";

/** Actions Kiln records today, offered as suggestions in the filter (any other name may be typed). */
export const KNOWN_ACTIONS = [
  "function.deploy",
  "function.rollback",
  "function.delete",
  "key.create",
  "key.revoke",
  "token.mint",
  "token.revoke",
  "tokens.revoke_all",
  "session.create",
  "session.revoke",
];

/** An event's details as short `name: value` pairs (objects as compact JSON), for a table cell. */
export function detailPairs(detail: AuditEventView["detail"]): [string, string][] {
  return Object.entries(detail).map(([k, v]) => [k, typeof v === "string" ? v : (JSON.stringify(v) ?? String(v))]);
}

/** Who acted, for display: the key's name when known, else its id (`admin` for the admin key). */
export function actorLabel(actor: AuditEventView["actor"]): string {
  return actor.name ?? actor.keyId;
}
