// `npm run seed:runs -- 1000000 [--persist-to DIR]`: fills the LOCAL D1 of `npm run dev` (or the
// state folder given) with realistic runs for measuring Kiln at scale: six functions (rows in
// `functions` and `function_versions`, listed and searchable, but their stored code is a stand-in:
// deploy over one to call it), tool, MCP, job, schedule and webhook runs spread over the last 30
// days, about 3 % failed with varied error messages, and per run its spans and logs (jobs also
// three steps). Stop `npm run dev` first: the rows are written by `wrangler d1 execute --local`
// into the same SQLite file. Rows are generated inside SQLite (recursive CTEs), in chunks of
// 50,000 runs per statement file, so a million runs take minutes; the triggers fill the text
// index as the API's writes would. Existing runs are kept; seeded ids never collide with them.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { WRANGLER } from "./local-server.mjs";

const root = path.resolve(import.meta.dirname, "..");
const DAY = 86_400_000;
const CHUNK = 50_000;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** A note in the state folder: how many runs were seeded into it (read by the scale bench). */
export const SEED_NOTE = "kiln-seed.json";

/** name, exposure, weight (share of runs), triggers it is run by. */
export const SEED_FUNCTIONS = [
  { name: "support-triage", weight: 35, triggers: ["tool", "mcp"] },
  { name: "search-docs", weight: 25, triggers: ["tool"] },
  { name: "crm-lookup", weight: 20, triggers: ["tool", "mcp"] },
  { name: "billing-sync", weight: 10, triggers: ["job", "replay"] },
  { name: "nightly-report", weight: 5, triggers: ["schedule"] },
  { name: "webhook-ingest", weight: 5, triggers: ["webhook"] },
];

const ERRORS = [
  "payment declined for customer",
  "upstream api.example.com answered 503 Service Unavailable",
  "timeout after 30000 ms waiting for crm",
  "invalid ticket id in input",
  "rate limited by provider, retry later",
];

/** SQL for the 10-character time part of an id made at the time held in column `t`. */
function timePart(t) {
  const parts = [];
  for (let k = 9; k >= 0; k--) parts.push(`substr('${ALPHABET}', ((${t} >> ${5 * k}) & 31) + 1, 1)`);
  return parts.join(" || ");
}

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

function functionRows(now) {
  const manifest = (name, job) =>
    JSON.stringify({
      description: `${name} (seeded)`,
      input: { type: "object" },
      output: null,
      secrets: [],
      egress: ["api.example.com"],
      timeoutMs: 30000,
      jobTimeoutMs: 86400000,
      retries: { limit: 3, delayMs: 1000, backoff: "exponential" },
      concurrency: null,
      rateLimit: null,
      exposures: { tool: !job, job },
      invokes: [],
    });
  return SEED_FUNCTIONS.map((f) => {
    const job = !f.triggers.includes("tool");
    const fid = `fn_seed_${f.name.replaceAll("-", "_")}`;
    const vid = `ver_seed_${f.name.replaceAll("-", "_")}`;
    const source = JSON.stringify({ "index.ts": "// seeded by scripts/seed-runs.mjs: deploy over this function to call it" });
    const modules = JSON.stringify({ "index.js": "export default {};" });
    return [
      `INSERT OR IGNORE INTO functions (id, name, description, active_version_id, env, created_at, updated_at) VALUES (${quote(fid)}, ${quote(f.name)}, '', ${quote(vid)}, '{}', ${now - 31 * DAY}, ${now - 31 * DAY});`,
      `INSERT OR IGNORE INTO function_versions (id, function_id, number, entry, source, modules, manifest, sha256, size_bytes, created_at, created_by) VALUES (${quote(vid)}, (SELECT id FROM functions WHERE name = ${quote(f.name)}), 1, 'index.ts', ${quote(source)}, ${quote(modules)}, ${quote(manifest(f.name, job))}, 'seed', 80, ${now - 31 * DAY}, 'admin');`,
    ].join("\n");
  }).join("\n");
}

/** SQL choosing among `items` by the weight column `w` (0-99). */
function pick(column, items) {
  let acc = 0;
  const cases = items.map((f) => {
    acc += f.weight;
    return `WHEN ${column} < ${acc} THEN ${quote(f.name)}`;
  });
  return `CASE ${cases.join(" ")} ELSE ${quote(items.at(-1).name)} END`;
}

function triggerOf() {
  const cases = SEED_FUNCTIONS.map((f) => {
    const list = f.triggers.map(quote);
    const choice = list.length === 1 ? list[0] : `CASE WHEN h % 10 < 8 THEN ${list[0]} ELSE ${list[1]} END`;
    return `WHEN fn = ${quote(f.name)} THEN ${choice}`;
  });
  return `CASE ${cases.join(" ")} END`;
}

/** One chunk: runs [from, to) of `total`, spread evenly over [start, end). */
function chunkSql({ from, to, total, start, end, salt }) {
  const step = (end - start) / total;
  const errors = `CASE h % ${ERRORS.length} ${ERRORS.map((e, i) => `WHEN ${i} THEN ${quote(e)}`).join(" ")} END`;
  const runs = `
WITH RECURSIVE seq(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ${to}),
base AS (SELECT i, CAST(${start} + i * ${step} AS INTEGER) AS t, ((i * 2654435761 + ${salt}) % 1000003) AS h FROM seq),
named AS (SELECT i, t, h, ${pick("(h % 100)", SEED_FUNCTIONS)} AS fn FROM base),
full AS MATERIALIZED (SELECT *, ${triggerOf()} AS trig, (h % 1000) < 30 AS failed,
  'run_' || ${timePart("t")} || lower(hex(randomblob(8))) AS rid FROM named)
INSERT INTO runs (id, function_id, function_name, version_id, version_number, trigger, status, input, output,
  error_message, error_name, error_step, error_retryable, attempt, idempotency_key, request_hash, parent_run_id,
  root_run_id, depth, allowed_functions, created_at, started_at, ended_at)
SELECT rid,
  'fn_seed_' || replace(fn, '-', '_'), fn, 'ver_seed_' || replace(fn, '-', '_'), 1, trig,
  CASE WHEN failed THEN 'failed' ELSE 'succeeded' END,
  '{"customer":"cus_' || (h % 50000) || '","query":"' || CASE h % 4 WHEN 0 THEN 'refund order ' WHEN 1 THEN 'reset password for ' WHEN 2 THEN 'invoice status ' ELSE 'shipping delay ' END || (h % 9973) || '","locale":"en"}',
  CASE WHEN failed THEN NULL ELSE '{"ok":true,"answer":"handled ticket ' || (h % 9973) || '","tokens":' || (h % 900) || '}' END,
  CASE WHEN failed THEN ${errors} || ' ' || (h % 9973) END,
  CASE WHEN failed THEN 'Error' END,
  CASE WHEN failed AND trig NOT IN ('tool', 'mcp') THEN 'call-api' END,
  CASE WHEN failed THEN h % 2 END,
  1, NULL, NULL, NULL, rid, 0, NULL, t, t + 1, t + 20 + h % 400
FROM full;`;
  // The trace rows of the runs just inserted: every id made in this chunk's time range.
  const range = `id >= 'run_' || ${timePart(`CAST(${start} + ${from} * ${step} AS INTEGER)`)} AND id < 'run_' || ${timePart(`CAST(${start} + ${to} * ${step} AS INTEGER)`)}`;
  const trace = `
INSERT INTO run_spans (run_id, seq, step, method, host, path, status, started_at, duration_ms, error)
SELECT id, 0, error_step, 'POST', 'api.example.com', '/v1/lookup', CASE WHEN status = 'failed' THEN 503 ELSE 200 END, created_at + 2, 15 + (ended_at - created_at) / 2, NULL
FROM runs WHERE ${range};
INSERT INTO run_logs (run_id, seq, level, message, data, step, at)
SELECT id, 0, 'info', 'handling ' || function_name, NULL, NULL, created_at + 1 FROM runs WHERE ${range};
INSERT INTO run_logs (run_id, seq, level, message, data, step, at)
SELECT id, 1, CASE WHEN status = 'failed' THEN 'error' ELSE 'info' END, CASE WHEN status = 'failed' THEN error_message ELSE 'done' END, '{"ms":' || (ended_at - created_at) || '}', NULL, ended_at
FROM runs WHERE ${range};
INSERT INTO run_steps (run_id, seq, name, kind, status, attempt, started_at, ended_at, error, output)
SELECT id, s.seq, s.name, 'step', CASE WHEN status = 'failed' AND s.seq = 1 THEN 'failed' ELSE 'succeeded' END, 1, created_at + s.seq * 5, created_at + s.seq * 5 + 4,
  CASE WHEN status = 'failed' AND s.seq = 1 THEN error_message END, CASE WHEN s.seq = 2 THEN '{"rows":12}' END
FROM runs, (SELECT 0 AS seq, 'load' AS name UNION ALL SELECT 1, 'call-api' UNION ALL SELECT 2, 'save') AS s
WHERE ${range} AND trigger NOT IN ('tool', 'mcp') AND NOT (status = 'failed' AND s.seq = 2);`;
  return `${runs}\n${trace}\n`;
}

function wrangler(args, persistTo) {
  const full = [WRANGLER[1], ...args, ...(persistTo ? ["--persist-to", persistTo] : [])];
  const res = spawnSync(WRANGLER[0], full, { cwd: root, encoding: "utf8", env: { ...process.env, CI: "1" } });
  if (res.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Seeds `count` runs into the local D1 (of `persistTo`, else wrangler's default .wrangler/state). */
export function seedRuns({ count, persistTo, log = console.log, now = Date.now() }) {
  wrangler(["d1", "migrations", "apply", "kiln", "--local"], persistTo);
  const dir = mkdtempSync(path.join(os.tmpdir(), "kiln-seed-"));
  const t0 = performance.now();
  try {
    const run = (sql) => {
      const file = path.join(dir, "chunk.sql");
      writeFileSync(file, sql);
      wrangler(["d1", "execute", "kiln", "--local", "--file", file], persistTo);
    };
    run(functionRows(now));
    // Older than 30 days by a little, up to a minute ago; the salt keeps repeated seeds apart.
    const start = now - 30 * DAY;
    const end = now - 60_000;
    const salt = Math.floor(Math.random() * 1_000_000);
    for (let from = 0; from < count; from += CHUNK) {
      const to = Math.min(count, from + CHUNK);
      run(chunkSql({ from, to, total: count, start, end, salt }));
      log(`seeded ${to.toLocaleString("en")} / ${count.toLocaleString("en")} runs (${Math.round((performance.now() - t0) / 1000)} s)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (persistTo) {
    const note = path.join(persistTo, SEED_NOTE);
    const earlier = existsSync(note) ? JSON.parse(readFileSync(note, "utf8")).runs : 0;
    writeFileSync(note, `${JSON.stringify({ runs: earlier + count })}\n`);
  }
  return { seconds: (performance.now() - t0) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--persist-to");
  const persistTo = at >= 0 ? path.resolve(args[at + 1] ?? "") : undefined;
  const positional = args.filter((_, i) => i !== at && i !== at + 1);
  const count = Number((positional[0] ?? "1000000").replaceAll("_", ""));
  if (!Number.isInteger(count) || count < 1) {
    console.error("usage: npm run seed:runs -- <count> [--persist-to DIR]   (stop `npm run dev` first)");
    process.exit(2);
  }
  const { seconds } = seedRuns({ count, persistTo });
  console.log(`Seeded ${count.toLocaleString("en")} runs in ${Math.round(seconds)} s into ${persistTo ?? ".wrangler/state"} (local D1).`);
}
