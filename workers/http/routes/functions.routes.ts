/**
 * /v1/functions: deploy, list, inspect (with the concurrency line of jobs), version history,
 * rollback, delete (which cancels the function's live jobs first).
 */
import { Hono } from "hono";
import { endFunctionJobs } from "../../jobs/end-job";
import {
  DeployRequest,
  type FunctionDetail,
  FunctionName,
  RollbackRequest,
  type RollbackResponse,
  type VersionView,
} from "../../lib/contracts/functions";
import { canTouchFunction } from "../../lib/domain/access";
import {
  activateVersion,
  deleteFunction,
  functionExists,
  getVersionSource,
  listFunctions,
  listVersions,
} from "../../lib/infra/db/functions.repo";
import { deployFunction } from "../../runtime/deploy";
import { audit } from "../audit";
import { notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { parseWith, readBody } from "../validate";
import { functionView, versionView } from "../views";

function nameParam(raw: string): string {
  return parseWith(FunctionName, raw, "/name");
}

async function versionsOf(db: AppEnv["Variables"]["db"], name: string): Promise<VersionView[]> {
  return (await listVersions(db, name)).map((v) => versionView(name, { ...v, active: v.id === v.activeVersionId }));
}

/** Jobs holding one of the function's `limit` slots, and jobs waiting for one, in order. */
interface ConcurrencyLine {
  limit: number;
  running: string[];
  waiting: string[];
}

/** The function's concurrency line (jobs holding a slot, jobs waiting), or null without a limit. */
async function concurrencyLine(env: Env, name: string, limit: number | null): Promise<ConcurrencyLine | null> {
  if (limit === null) return null;
  const { running, waiting } = await env.LIMITER.getByName(name).snapshot();
  return { limit, running, waiting };
}

export const functionsRoutes = new Hono<AppEnv>()
  .post("/", async (c) => {
    authorize(c, "functions:write");
    const req = await readBody(c, DeployRequest);
    authorize(c, "functions:write", req.name);
    const principal = c.get("principal");
    const v = await deployFunction(c.get("db"), c.env.LOADER, req, principal.keyId);
    if (v.unchanged) {
      const active = (await versionsOf(c.get("db"), req.name)).find((x) => x.number === v.number);
      if (!active) throw notFound(`function "${req.name}"`);
      return c.json({ ...active, unchanged: true }, 200);
    }
    await audit(c, "function.deploy", req.name, { version: v.number, versionId: v.id, sha256: v.sha256 });
    return c.json({ ...versionView(req.name, { ...v, active: true, createdBy: principal.keyId }), unchanged: false }, 201);
  })
  .get("/", async (c) => {
    authorize(c, "functions:read");
    const principal = c.get("principal");
    const rows = await listFunctions(c.get("db"));
    const items = rows.filter((f) => canTouchFunction(principal, f.name)).map(functionView);
    return c.json({ items });
  })
  .get("/:name", async (c) => {
    const name = nameParam(c.req.param("name"));
    authorize(c, "functions:read", name);
    const [versions, [row]] = await Promise.all([versionsOf(c.get("db"), name), listFunctions(c.get("db"), name)]);
    const active = versions.find((v) => v.active);
    if (!active || !row) throw notFound(`function "${name}"`);
    const concurrency = await concurrencyLine(c.env, name, active.manifest.concurrency);
    const detail: FunctionDetail = { ...functionView(row), currentVersion: active, versions: versions.length, concurrency };
    return c.json(detail);
  })
  .get("/:name/versions", async (c) => {
    const name = nameParam(c.req.param("name"));
    authorize(c, "functions:read", name);
    const items = await versionsOf(c.get("db"), name);
    if (items.length === 0) throw notFound(`function "${name}"`);
    return c.json({ items });
  })
  .get("/:name/versions/:number{[0-9]+}", async (c) => {
    const name = nameParam(c.req.param("name"));
    authorize(c, "functions:read", name);
    const number = Number(c.req.param("number"));
    const row = await getVersionSource(c.get("db"), name, number);
    if (!row) throw notFound(`version ${number} of "${name}"`);
    return c.json({ function: name, number, files: JSON.parse(row.source) as Record<string, string> });
  })
  .post("/:name/rollback", async (c) => {
    const name = nameParam(c.req.param("name"));
    authorize(c, "functions:write", name);
    const { version } = await readBody(c, RollbackRequest);
    if (!(await activateVersion(c.get("db"), name, version, Date.now()))) throw notFound(`version ${version} of "${name}"`);
    await audit(c, "function.rollback", name, { version });
    const current = (await versionsOf(c.get("db"), name)).find((v) => v.active);
    if (!current) throw notFound(`function "${name}"`);
    const body: RollbackResponse = { activeVersion: current.number, currentVersion: current };
    return c.json(body);
  })
  .delete("/:name", async (c) => {
    const name = nameParam(c.req.param("name"));
    authorize(c, "functions:write", name);
    if (!(await functionExists(c.get("db"), name))) throw notFound(`function "${name}"`);
    // Its live jobs end first (cancelled, saying why), so none is left holding the line.
    await endFunctionJobs(c.env, c.get("db"), name);
    if (!(await deleteFunction(c.get("db"), name))) throw notFound(`function "${name}"`);
    await audit(c, "function.delete", name);
    return c.body(null, 204);
  });
