/**
 * Per-function concurrency limit for jobs (filled in by the jobs feature).
 */
import { DurableObject } from "cloudflare:workers";

export class ConcurrencyDO extends DurableObject<Env> {}
