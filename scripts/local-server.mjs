// Starts Kiln under `wrangler dev` for end-to-end tests and benchmarks: fresh state in its own
// folder, its own keys, migrations applied, on a free loopback port. Stops with the process.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
/** wrangler's own script, run with this Node (≥ 22) whatever `node` is first on the PATH. */
export const WRANGLER = [process.execPath, path.join(root, "node_modules/wrangler/bin/wrangler.js")];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function randomKey() {
  return randomBytes(32).toString("base64url");
}

/**
 * Fires the Worker's per-minute cron under `wrangler dev`, which never fires it by itself (platform
 * notes §15): requests /cdn-cgi/local/scheduled every `everyMs`. Returns a function that stops it.
 */
export function startCronTicker(url, everyMs = 60_000) {
  const fire = () =>
    fetch(`${url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("* * * * *")}`)
      .then((res) => res.body?.cancel())
      .catch(() => {}); // the server is starting or stopping: the next tick tries again
  const timer = setInterval(fire, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Applies the D1 migrations to a local state folder. */
export function migrate(persistTo) {
  const res = spawnSync(WRANGLER[0], [WRANGLER[1], "d1", "migrations", "apply", "kiln", "--local", "--persist-to", persistTo], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  if (res.status !== 0) throw new Error(`migrations failed:\n${res.stdout}\n${res.stderr}`);
}

/**
 * Starts `wrangler dev`; resolves once /healthz answers. Returns { url, adminKey, stop(), kill() }:
 * stop() ends it gracefully, kill() with SIGKILL (like a crash), dispose() stops it and deletes its
 * state folder (`options.keepState` keeps it). `options.persistTo` reuses a state
 * folder (to test restarts); `options.config` picks a wrangler file; `options.tickEveryMs` fires
 * the cron that often (as `npm run dev` does every minute), off by default; `options.allowLocalEgress`
 * lets functions reach loopback addresses (KILN_EGRESS_ALLOW_LOCAL), for stand-in services;
 * `options.inspectorPort` opens the Worker's DevTools inspector there (to profile it under load).
 * wrangler dev sometimes loses a race for one of its internal sockets when other servers start at
 * the same time; that start is retried (on a new port unless one was given).
 */
export async function startLocalServer(options = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // A start that failed leaves no state folder behind (unless the caller chose the folder).
      if (error?.persistTo && !options.persistTo) rmSync(error.persistTo, { recursive: true, force: true });
      if (attempt >= 3 || !/address already in use/i.test(String(error?.message))) throw error;
    }
  }
}

async function startOnce(options) {
  const port = options.port ?? (await freePort());
  const persistTo = options.persistTo ?? path.join(root, ".wrangler", `run-${Date.now()}-${process.pid}-${port}`);
  mkdirSync(persistTo, { recursive: true });
  const adminKey = options.adminKey ?? randomKey();
  const envFile = path.join(persistTo, "kiln.env");
  writeFileSync(
    envFile,
    `KILN_ADMIN_KEY=${adminKey}\nKILN_SIGNING_KEY=${options.signingKey ?? randomKey()}\nKILN_SECRETS_KEY=${options.secretsKey ?? randomKey()}\n`,
  );
  try {
    return await launch(options, { port, persistTo, adminKey, envFile });
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { persistTo });
  }
}

async function launch(options, { port, persistTo, adminKey, envFile }) {
  if (!options.config) migrate(persistTo);
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--env-file", envFile];
  args.push("--show-interactive-dev-session=false", "--log-level", options.logLevel ?? "warn");
  if (options.config) args.push("--config", options.config);
  if (options.inspectorPort) args.push("--inspector-port", String(options.inspectorPort));
  // Lets functions reach loopback stand-ins (local development and tests only). A var, not the env
  // file: wrangler passes only the declared secrets from it.
  if (options.allowLocalEgress) args.push("--var", "KILN_EGRESS_ALLOW_LOCAL:true");
  const child = spawn(WRANGLER[0], [WRANGLER[1], ...args], {
    cwd: root,
    env: { ...process.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const url = `http://127.0.0.1:${port}`;
  let stopTicker = () => {};
  const end = (signal) =>
    new Promise((resolve) => {
      stopTicker();
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid, signal);
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000).unref();
    });
  const stop = () => end("SIGTERM");
  const kill = () => end("SIGKILL");
  // Stops it and deletes its state folder (tens of MB each), unless the caller chose the folder.
  const dispose = async () => {
    await stop();
    if (!options.keepState) rmSync(persistTo, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        if (options.tickEveryMs) stopTicker = startCronTicker(url, options.tickEveryMs);
        return { url, port, adminKey, persistTo, stop, kill, dispose, output: () => output };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`wrangler dev did not become healthy within 60 s:\n${output}`);
}
