// `npm run dev`: the one command that starts Kiln locally. On first run it writes random local
// keys to .dev.vars (git-ignored); every run builds what the Worker serves, applies the D1
// migrations to the local database and starts `wrangler dev` with the dashboard, and fires the
// per-minute cron every minute (wrangler dev never does by itself) until wrangler exits.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDevArgs } from "./dev-args.mjs";
import { randomKey, startCronTicker, WRANGLER } from "./local-server.mjs";

const root = path.resolve(import.meta.dirname, "..");
const args = parseDevArgs(process.argv.slice(2), process.env);
if ("error" in args) {
  console.error(`npm run dev: ${args.error}`);
  process.exit(2);
}
const { port, passThrough } = args;
const run = (cmd, args) => {
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

const varsFile = path.join(root, ".dev.vars");
// Every platform key Kiln needs; one missing from an older .dev.vars is added, the others kept.
const PLATFORM_KEYS = ["KILN_ADMIN_KEY", "KILN_SIGNING_KEY", "KILN_SECRETS_KEY"];
const existing = existsSync(varsFile) ? readFileSync(varsFile, "utf8") : "";
const missing = PLATFORM_KEYS.filter((k) => !new RegExp(`^${k}=`, "m").test(existing));
if (missing.length > 0) {
  const lines = missing.map((k) => `${k}=${randomKey()}\n`).join("");
  writeFileSync(varsFile, `${existing}${existing && !existing.endsWith("\n") ? "\n" : ""}${lines}`, { mode: 0o600 });
  console.log(`Wrote random local ${missing.join(", ")} to .dev.vars`);
}
const adminKey = /^KILN_ADMIN_KEY=(.*)$/m.exec(readFileSync(varsFile, "utf8"))?.[1];

run(process.execPath, ["scripts/build.mjs"]);
run(WRANGLER[0], [WRANGLER[1], "d1", "migrations", "apply", "kiln", "--local"]);

console.log(`\n  Kiln dashboard: http://localhost:${port}\n  Admin key:      ${adminKey}\n`);
const child = spawn(WRANGLER[0], [WRANGLER[1], "dev", "--port", port, ...passThrough], { cwd: root, stdio: "inherit" });
const stopTicker = startCronTicker(`http://localhost:${port}`);
child.on("exit", (code) => {
  stopTicker();
  process.exit(code ?? 0);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
