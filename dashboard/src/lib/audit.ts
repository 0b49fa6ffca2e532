/** Display helpers for the audit log. Pure. */
import type { AuditAction, AuditEventView } from "../api";

/** Every action Kiln records (checked against the contract's enum; importing it would bundle zod). */
const ACTIONS: Record<AuditAction, true> = {
  "function.deploy": true,
  "function.rollback": true,
  "function.delete": true,
  "function.grants": true,
  "function.env": true,
  "function.retention": true,
  "key.create": true,
  "key.revoke": true,
  "token.mint": true,
  "token.revoke": true,
  "tokens.revoke_all": true,
  "session.create": true,
  "session.revoke": true,
  "oauth.grant": true,
  "oauth.deny": true,
  "oauth.revoke": true,
  "secret.create": true,
  "secret.update": true,
  "secret.delete": true,
  "secrets.rekey": true,
  "webhook.create": true,
  "webhook.update": true,
  "webhook.delete": true,
  "webhook.rotate": true,
  "webhook.test": true,
  "webhook.replay": true,
  "schedule.create": true,
  "schedule.update": true,
  "schedule.delete": true,
  "schedule.pause": true,
  "schedule.resume": true,
  "schedule.trigger": true,
  "alert.create": true,
  "alert.update": true,
  "alert.delete": true,
};

/** Offered as suggestions in the filter. */
export const KNOWN_ACTIONS = Object.keys(ACTIONS);

/** An event's details as short `name: value` pairs (objects as compact JSON), for a table cell. */
export function detailPairs(detail: AuditEventView["detail"]): [string, string][] {
  return Object.entries(detail).map(([k, v]) => [k, typeof v === "string" ? v : (JSON.stringify(v) ?? String(v))]);
}

/** Who acted, for display: the key's name when known, else its id (`admin` for the admin key). */
export function actorLabel(actor: AuditEventView["actor"]): string {
  return actor.name ?? actor.keyId;
}
