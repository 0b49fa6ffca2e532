// Runs before every test file: applies the D1 migrations, and restores the real `Function`
// constructor, which the test runtime replaces with one that can compile strings. Production
// forbids code generation, so tests must too (platform notes §13).
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

globalThis.Function = (() => {}).constructor as FunctionConstructor;
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
