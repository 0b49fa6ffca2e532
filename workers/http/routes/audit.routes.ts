/**
 * /v1/audit: the audit log, newest first, filtered by actor, action and time. Read-only: no route
 * updates or deletes an event (unknown methods fall through to the app's 404).
 */
import { Hono } from "hono";
import { AuditQuery } from "../../lib/contracts/audit";
import { listAudit } from "../../lib/infra/db/audit.repo";
import { keyNames } from "../../lib/infra/db/keys.repo";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readQuery } from "../validate";
import { auditView } from "../views";

export const auditRoutes = new Hono<AppEnv>().get("/", async (c) => {
  authorize(c, "audit:read");
  const q = readQuery(c, AuditQuery);
  const since = q.since === undefined ? undefined : Date.parse(q.since);
  const rows = await listAudit(c.get("db"), { actor: q.actor, action: q.action, since, cursor: q.cursor, limit: q.limit });
  const names = await keyNames(c.get("db"), [...new Set(rows.map((r) => r.actorKeyId))]);
  const nextCursor = rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null;
  return c.json({ items: rows.map((r) => auditView(r, names.get(r.actorKeyId))), nextCursor });
});
