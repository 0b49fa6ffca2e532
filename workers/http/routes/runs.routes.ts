/**
 * /v1/runs: every run of every trigger, filtered, newest first; one run with its whole trace.
 */
import { Hono } from "hono";
import { RunsQuery } from "../../lib/contracts/runs";
import { canTouchFunction } from "../../lib/domain/access";
import { getRun, getTrace, listRuns } from "../../lib/infra/db/runs.repo";
import { notFound } from "../errors";
import { authorize } from "../middleware/auth";
import type { AppEnv } from "../types";
import { readQuery } from "../validate";
import { runView } from "../views";

export const runsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    authorize(c, "runs:read");
    const query = readQuery(c, RunsQuery);
    const rows = await listRuns(c.get("db"), query, c.get("principal").functions);
    const items = rows.map(runView);
    const nextCursor = rows.length === query.limit ? (rows.at(-1)?.id ?? null) : null;
    return c.json({ items, nextCursor });
  })
  .get("/:id", async (c) => {
    authorize(c, "runs:read");
    const db = c.get("db");
    const run = await getRun(db, c.req.param("id"));
    if (!run || !canTouchFunction(c.get("principal"), run.functionName)) throw notFound(`run "${c.req.param("id")}"`);
    return c.json({ ...runView(run), ...(await getTrace(db, run.id)) });
  });
