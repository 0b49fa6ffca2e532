/**
 * The audit log: who did what to which resource, when and from where. Read-only over HTTP
 * (`GET /v1/audit`); rows are only ever appended. Imports nothing but zod.
 */
import { z } from "zod";

/** Every action Kiln records. */
export const AuditAction = z.enum([
  "function.deploy",
  "function.rollback",
  "function.delete",
  "function.grants",
  "function.env",
  "function.retention",
  "key.create",
  "key.revoke",
  "token.mint",
  "token.revoke",
  "tokens.revoke_all",
  "session.create",
  "session.revoke",
  "oauth.grant",
  "oauth.deny",
  "oauth.revoke",
  "secret.create",
  "secret.update",
  "secret.delete",
  "secrets.rekey",
  "webhook.create",
  "webhook.update",
  "webhook.delete",
  "webhook.rotate",
  "webhook.test",
  "webhook.replay",
  "schedule.create",
  "schedule.update",
  "schedule.delete",
  "schedule.pause",
  "schedule.resume",
  "schedule.trigger",
  "alert.create",
  "alert.update",
  "alert.delete",
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditQuery = z.strictObject({
  /** An API key id, or `admin`. */
  actor: z.string().max(64).optional(),
  /** One action, e.g. `function.deploy`. */
  action: z
    .string()
    .max(64)
    .regex(/^[a-z_]+(\.[a-z_]+)*$/, "must be an action name such as function.deploy")
    .optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditActor = z.object({
  keyId: z.string(),
  kind: z.enum(["admin", "key", "token", "session", "oauth"]),
  /** The API key's name; absent for the admin key or a key that no longer exists. */
  name: z.string().optional(),
});
export type AuditActor = z.infer<typeof AuditActor>;

export const AuditEventView = z.object({
  id: z.string(),
  at: z.string(),
  actor: AuditActor,
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditPage = z.object({ items: z.array(AuditEventView), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
