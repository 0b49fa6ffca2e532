/**
 * /v1/alerts: failure alert rules (create, list, read, update, delete) and each rule's deliveries.
 * A `standard` rule's signing secret appears only in the answer to its creation. A rule for every
 * function needs a credential that is not limited to some functions; a limited one sees only the
 * rules of its functions.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { forgetAlertRules } from "../../alerts/note-run-ended";
import {
  AlertDeliveriesQuery,
  type AlertDeliveryStatus,
  type AlertDeliveryView,
  type AlertRuleView,
  CreateAlertRequest,
  MAX_ALERT_RULES_PER_FUNCTION,
  UpdateAlertRequest,
} from "../../lib/contracts/alerts";
import { canTouchFunction } from "../../lib/domain/access";
import { maskUrl } from "../../lib/domain/alerts";
import { bytesToBase64 } from "../../lib/domain/bytes";
import { refusedTarget } from "../../lib/domain/egress";
import {
  type AlertDeliveryRow,
  type AlertRule,
  countRules,
  deleteRule,
  getRule,
  insertRule,
  listAlertDeliveries,
  listRules,
  sealRuleSecret,
  updateRule,
} from "../../lib/infra/db/alerts.repo";
import { getActiveFunction } from "../../lib/infra/db/functions.repo";
import { newId } from "../../lib/infra/ids";
import { allowLocalEgress } from "../../runtime/run-config";
import { audit } from "../audit";
import { AppError, notFound } from "../errors";
import { authorize } from "../middleware/auth";
import { secretsKeyring } from "../secrets-keyring";
import type { AppEnv } from "../types";
import { readBody, readQuery } from "../validate";
import { iso } from "../views";

function ruleView(r: AlertRule): AlertRuleView {
  return {
    id: r.id,
    name: r.name,
    events: r.events,
    function: r.functionName,
    url: maskUrl(r.url),
    format: r.format,
    enabled: r.enabled,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

function deliveryView(d: AlertDeliveryRow): AlertDeliveryView {
  return {
    id: d.id,
    ruleId: d.ruleId,
    event: d.event,
    runId: d.runId,
    function: d.functionName,
    suppressed: d.suppressed,
    status: d.status as AlertDeliveryStatus,
    attempts: d.attempts,
    responseStatus: d.responseStatus,
    responseBody: d.responseBody,
    lastError: d.lastError,
    nextAttemptAt: iso(d.nextAttemptAt),
    createdAt: new Date(d.createdAt).toISOString(),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

/** May this credential touch rules of `fn` (null: every function, which needs an unlimited credential)? */
const mayTouch = (c: Context<AppEnv>, fn: string | null) =>
  fn === null ? c.get("principal").functions === null : canTouchFunction(c.get("principal"), fn);

/** The rule, if this credential may see its function (otherwise it does not exist for it). */
async function ruleFor(c: Context<AppEnv>, scope: "alerts:read" | "alerts:write"): Promise<AlertRule> {
  authorize(c, scope);
  const rule = await getRule(c.get("db"), c.req.param("id") ?? "");
  if (!rule || !mayTouch(c, rule.functionName)) throw notFound(`alert rule "${c.req.param("id")}"`);
  return rule;
}

/** Checks who may aim a rule at `fn` and `url`, and that the function exists. */
async function assertTarget(c: Context<AppEnv>, fn: string | null | undefined, url: string | undefined): Promise<void> {
  if (fn !== undefined) {
    if (fn === null && !mayTouch(c, null))
      throw new AppError("forbidden", 403, "a rule for every function needs a credential that is not limited to some functions");
    if (fn !== null) {
      authorize(c, "alerts:write", fn);
      if (!(await getActiveFunction(c.get("db"), fn))) throw notFound(`function "${fn}"`);
    }
  }
  const refused = url === undefined ? null : refusedTarget(new URL(url), allowLocalEgress(c.env));
  if (refused !== null)
    throw new AppError("validation_failed", 400, `this alert target is refused: ${refused}`, {
      issues: [{ path: "/url", message: refused }],
    });
}

export const alertsRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    authorize(c, "alerts:write");
    const req = await readBody(c, CreateAlertRequest);
    await assertTarget(c, req.function, req.url);
    if ((await countRules(c.get("db"), req.function)) >= MAX_ALERT_RULES_PER_FUNCTION)
      throw new AppError(
        "conflict",
        409,
        `at most ${MAX_ALERT_RULES_PER_FUNCTION} alert rules per function (and for all functions); delete one first`,
      );
    const now = Date.now();
    const id = newId("alrt", now);
    const secret = req.format === "standard" ? `whsec_${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}` : null;
    const sealed = secret === null ? null : await sealRuleSecret(await secretsKeyring(c.env), id, secret);
    const rule: AlertRule = {
      ...{ id, name: req.name, events: req.events, functionName: req.function, url: req.url, format: req.format, enabled: req.enabled },
      ...{ secret: sealed, linkBase: new URL(c.req.url).origin, createdBy: c.get("principal").keyId, createdAt: now, updatedAt: now },
    };
    await insertRule(c.get("db"), rule);
    forgetAlertRules();
    await audit(c, "alert.create", id, { name: req.name, function: req.function, host: new URL(req.url).host, format: req.format });
    return c.json({ ...ruleView(rule), ...(secret === null ? {} : { secret }) }, 201);
  })
  .get("/", async (c) => {
    authorize(c, "alerts:read");
    return c.json({ items: (await listRules(c.get("db"), c.get("principal").functions)).map(ruleView) });
  })
  .get("/:id", async (c) => c.json(ruleView(await ruleFor(c, "alerts:read"))))
  .patch("/:id", async (c) => {
    const rule = await ruleFor(c, "alerts:write");
    const req = await readBody(c, UpdateAlertRequest);
    await assertTarget(c, req.function, req.url);
    if (
      req.function !== undefined &&
      req.function !== rule.functionName &&
      (await countRules(c.get("db"), req.function)) >= MAX_ALERT_RULES_PER_FUNCTION
    )
      throw new AppError("conflict", 409, `at most ${MAX_ALERT_RULES_PER_FUNCTION} alert rules per function; delete one first`);
    const updated: AlertRule = {
      ...rule,
      name: req.name ?? rule.name,
      events: req.events ?? rule.events,
      functionName: req.function === undefined ? rule.functionName : req.function,
      url: req.url ?? rule.url,
      enabled: req.enabled ?? rule.enabled,
      updatedAt: Date.now(),
    };
    await updateRule(c.get("db"), updated);
    forgetAlertRules();
    await audit(c, "alert.update", rule.id, { fields: Object.keys(req) });
    return c.json(ruleView(updated));
  })
  .delete("/:id", async (c) => {
    const rule = await ruleFor(c, "alerts:write");
    await deleteRule(c.get("db"), rule.id);
    forgetAlertRules();
    await audit(c, "alert.delete", rule.id, { name: rule.name });
    return c.body(null, 204);
  })
  .get("/:id/deliveries", async (c) => {
    const rule = await ruleFor(c, "alerts:read");
    const q = readQuery(c, AlertDeliveriesQuery);
    const rows = await listAlertDeliveries(c.get("db"), rule.id, q);
    const last = rows.length === q.limit ? rows.at(-1)?.id : undefined;
    return c.json({ items: rows.map(deliveryView), nextCursor: last ?? null });
  });
