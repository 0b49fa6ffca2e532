/**
 * Gives every request an id, returned in `Kiln-Request-Id` and in every problem document.
 */
import { createMiddleware } from "hono/factory";
import { database } from "../../lib/infra/db/functions.repo";
import { newId } from "../../lib/infra/ids";
import type { AppEnv } from "../types";

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = newId("req");
  c.set("requestId", requestId);
  c.set("db", database(c.env.DB));
  c.header("Kiln-Request-Id", requestId);
  await next();
  c.header("Kiln-Request-Id", requestId);
});
