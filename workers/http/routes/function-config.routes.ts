/**
 * A function's configuration beside its code: which secrets it may read (grants, scope
 * secrets:write) and its environment variables (scope functions:write). Both take effect on the
 * next run, without a redeploy; a deploy never grants anything by itself. Also how long its runs
 * are kept (scope functions:write), applied by the per-minute retention sweep.
 */
import { Hono } from "hono";
import { FunctionName } from "../../lib/contracts/functions";
import { type FunctionConfigView, PutEnvRequest, PutGrantsRequest, PutRetentionRequest } from "../../lib/contracts/secrets";
import { getRetentionDays, setRetentionDays } from "../../lib/infra/db/retention.repo";
import { getFunctionEnv, grantsOf, setFunctionEnv, setGrants } from "../../lib/infra/db/secrets.repo";
import { audit } from "../audit";
import { notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { parseWith, readBody } from "../validate";

async function configView(db: AppEnv["Variables"]["db"], name: string): Promise<FunctionConfigView> {
  const [env, grants, retentionDays] = await Promise.all([getFunctionEnv(db, name), grantsOf(db, name), getRetentionDays(db, name)]);
  if (env === null || retentionDays === undefined) throw notFound(`function "${name}"`);
  return { function: name, grants, env, retentionDays };
}

export const functionConfigRoutes = new Hono<AppEnv>()
  .get("/:name/config", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    authorize(c, "functions:read", name);
    return c.json(await configView(c.get("db"), name));
  })
  .put("/:name/grants", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    authorize(c, "secrets:write", name);
    const { secrets } = await readBody(c, PutGrantsRequest);
    if ((await getFunctionEnv(c.get("db"), name)) === null) throw notFound(`function "${name}"`);
    await setGrants(c.get("db"), name, secrets, c.get("principal").keyId, Date.now());
    await audit(c, "function.grants", name, { secrets });
    return c.json(await configView(c.get("db"), name));
  })
  .put("/:name/env", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    authorize(c, "functions:write", name);
    const { env } = await readBody(c, PutEnvRequest);
    if (!(await setFunctionEnv(c.get("db"), name, env, Date.now()))) throw notFound(`function "${name}"`);
    await audit(c, "function.env", name, { names: Object.keys(env).sort() });
    return c.json(await configView(c.get("db"), name));
  })
  .put("/:name/retention", async (c) => {
    const name = parseWith(FunctionName, c.req.param("name"), "/name");
    authorize(c, "functions:write", name);
    const { days } = await readBody(c, PutRetentionRequest);
    if (!(await setRetentionDays(c.get("db"), name, days, Date.now()))) throw notFound(`function "${name}"`);
    await audit(c, "function.retention", name, { days });
    return c.json(await configView(c.get("db"), name));
  });
