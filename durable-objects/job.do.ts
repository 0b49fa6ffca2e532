/**
 * Live state of one job (filled in by the jobs feature).
 */
import { DurableObject } from "cloudflare:workers";

export class JobDO extends DurableObject<Env> {}
