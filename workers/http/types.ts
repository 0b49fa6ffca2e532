/**
 * The Hono environment shared by the app, its middleware and routes.
 */
import type { Principal } from "../lib/domain/access";
import type { Db } from "../lib/infra/db/functions.repo";

export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; principal: Principal; db: Db };
};
