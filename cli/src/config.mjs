/**
 * Where the CLI finds its Kiln server and key: KILN_URL / KILN_API_KEY first, then the config
 * file written by `kiln login` (in the user's config directory, mode 600 because it holds a key).
 * Imports only node:*.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** The config file's path: $KILN_CONFIG, else the platform's per-user config directory. */
export function configPath(env = process.env, platform = process.platform, home = os.homedir()) {
  if (env.KILN_CONFIG) return env.KILN_CONFIG;
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "kiln", "config.json");
  const base = env.XDG_CONFIG_HOME || path.join(home, ".config");
  return path.join(base, "kiln", "config.json");
}

/** The stored `{url, key}`, or an empty object when there is no (readable) config file. */
export function readConfig(file = configPath()) {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8"));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

/** Writes `{url, key}`; the file is 600 (and the kiln folder 700) even when it already existed. */
export function writeConfig(config, file = configPath()) {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // The kiln folder is ours (a KILN_CONFIG file may sit in a shared one): nobody else lists it.
  if (path.basename(path.dirname(file)) === "kiln") chmodSync(path.dirname(file), 0o700);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file: tighten it explicitly.
  chmodSync(file, 0o600);
}

/** The server URL and key to use: the environment wins over the config file. */
export function resolveTarget(env = process.env, config = readConfig()) {
  const url = env.KILN_URL || config.url || null;
  const key = env.KILN_API_KEY || config.key || null;
  return { url: url ? url.replace(/\/+$/, "") : null, key };
}

/**
 * The local server `npm run dev` starts: the admin key from .dev.vars and the port from PORT
 * (as scripts/dev.mjs does), looked up from `dir` upwards.
 */
export function localTarget(dir = process.cwd(), env = process.env) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const vars = path.join(d, ".dev.vars");
    if (existsSync(vars)) {
      const key = /^KILN_ADMIN_KEY=(.*)$/m.exec(readFileSync(vars, "utf8"))?.[1]?.trim();
      if (key) return { url: `http://localhost:${env.PORT ?? "8787"}`, key, from: vars };
    }
    if (path.dirname(d) === d) return null;
  }
}
