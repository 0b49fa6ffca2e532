/**
 * Helpers the command groups share: running an action with a client and the global options,
 * and reading JSON input from --data, --file or stdin. Imports node:* and the CLI's modules.
 */
import { readFileSync } from "node:fs";
import { createClient, KilnError } from "../api.mjs";

/** Wraps an action: `fn(client, opts, ...args)` with the command's options merged with the globals. */
export function withClient(fn) {
  return async function action(...args) {
    const cmd = args.at(-1);
    const opts = cmd.optsWithGlobals();
    return fn(createClient(), opts, ...args.slice(0, -2));
  };
}

/** Parses JSON given on the command line, naming the option when it is not JSON. */
export function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KilnError(`${what} is not valid JSON: ${err.message}`);
  }
}

/** The JSON input of a call: --data '<json>', --file <path> (`-` for stdin), or `fallback`. */
export function readInput(opts, fallback = {}) {
  if (opts.data !== undefined && opts.file !== undefined) throw new KilnError("give --data or --file, not both");
  if (opts.data !== undefined) return parseJson(opts.data, "--data");
  if (opts.file !== undefined) {
    let text;
    try {
      text = readFileSync(opts.file === "-" ? 0 : opts.file, "utf8");
    } catch (err) {
      throw new KilnError(`cannot read ${opts.file}: ${err.code ?? err.message}`);
    }
    return parseJson(text, opts.file);
  }
  return fallback;
}

/** `a,b , c` → ["a", "b", "c"]. */
export const list = (value) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** A positive integer option. */
export function int(value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new KilnError(`${value} is not a whole number`);
  return n;
}

/** `100/60` → {requests: 100, perSeconds: 60}. */
export function rate(value) {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) throw new KilnError(`rate limit "${value}" must look like <requests>/<seconds>, e.g. 100/60`);
  return { requests: Number(m[1]), perSeconds: Number(m[2]) };
}

/** An ISO time, or a duration back from now: `30s`, `15m`, `2h`, `7d`. */
export function since(value, now = Date.now()) {
  const m = /^(\d+)([smhd])$/.exec(value);
  if (m) return new Date(now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2]]).toISOString();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new KilnError(`"${value}" is neither an ISO time nor a duration like 15m, 2h, 7d`);
  return d.toISOString();
}

export const enc = encodeURIComponent;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
