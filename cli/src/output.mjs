/**
 * What the CLI prints: JSON for scripts (`--json`), readable text with colours otherwise
 * (off under NO_COLOR and when stdout is not a terminal, on with FORCE_COLOR), and the run
 * tree of `kiln runs get`. The formatting functions are pure. Imports picocolors and nanospinner.
 */
import { createSpinner } from "nanospinner";
import { createColors } from "picocolors";

// picocolors' own default also colours whenever a `CI` variable is set, even into a pipe or file,
// so the choice is made here: a terminal, or FORCE_COLOR, and never under NO_COLOR.
const env = process.env;
const pc = createColors(!("NO_COLOR" in env) && ("FORCE_COLOR" in env || Boolean(process.stdout.isTTY)));

export { pc };

/** Prints a value as JSON (scripts) or as text produced by `human(value)`. */
export function emit(opts, value, human) {
  if (opts.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = human ? human(value) : JSON.stringify(value, null, 2);
    if (text) process.stdout.write(`${text}\n`);
  }
}

/** A spinner on stderr for long steps; silent under --json or when stderr is not a terminal. */
export function spinner(opts, text) {
  if (opts.json || !process.stderr.isTTY) return { success: () => {}, error: () => {}, update: () => {}, stop: () => {} };
  return createSpinner(text, { stream: process.stderr }).start();
}

/** An API time (ISO) normalised to UTC ISO; null stays null. */
export function isoTime(t) {
  if (t === null || t === undefined) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

const STATUS_COLOR = {
  succeeded: pc.green,
  failed: pc.red,
  timed_out: pc.red,
  cancelled: pc.yellow,
  running: pc.cyan,
  waiting: pc.cyan,
  sleeping: pc.cyan,
  queued: pc.dim,
};
export const status = (s) => (STATUS_COLOR[s] ?? ((x) => x))(s);

/** A table of rows (arrays of strings) with padded columns. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? "" : String(c))));
  const widths = header.map((_, i) => Math.max(...all.map((r) => stripAnsi(r[i] ?? "").length)));
  return all
    .map((r, ri) =>
      r
        .map((c, i) => (ri === 0 ? pc.bold(c) : c) + " ".repeat(Math.max(0, widths[i] - stripAnsi(c).length)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point.
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, "");

const ms = (a, b) => (a !== null && a !== undefined && b !== null && b !== undefined ? `${new Date(b) - new Date(a)} ms` : "");
const dataText = (d) => (d === null || d === undefined ? "" : typeof d === "string" ? d : JSON.stringify(d));

function logLine(l, indent) {
  const lvl = { error: pc.red, warn: pc.yellow, debug: pc.dim }[l.level] ?? ((x) => x);
  const data = dataText(l.data);
  return `${indent}${lvl(l.level.padEnd(5))} ${l.message}${data ? ` ${pc.dim(data)}` : ""}`;
}

function spanLine(s, indent) {
  const code = s.status >= 400 || s.error ? pc.red(String(s.status)) : String(s.status);
  return `${indent}${pc.magenta("→")} ${s.method} ${s.host}${s.path} ${code} ${s.durationMs} ms${s.error ? ` ${pc.red(s.error)}` : ""}`;
}

/** The run with its steps, and under each step its outbound calls and log lines. */
export function runTree(run) {
  const head = [
    `${pc.bold(run.id)}  ${run.function} v${run.version}  ${status(run.status)}  ${run.trigger}`,
    `  created ${isoTime(run.createdAt)}${run.durationMs !== null && run.durationMs !== undefined ? `  ${run.durationMs} ms` : ""}`,
  ];
  if (run.error) head.push(`  ${pc.red(`error${run.error.step ? ` in step "${run.error.step}"` : ""}: ${run.error.message}`)}`);
  const spans = run.spans ?? [];
  const logs = run.logs ?? [];
  const lines = [...head];
  const children = (step, indent) => [
    ...spans.filter((s) => s.step === step).map((s) => spanLine(s, indent)),
    ...logs.filter((l) => l.step === step).map((l) => logLine(l, indent)),
  ];
  lines.push(...children(null, "  "));
  for (const s of run.steps ?? []) {
    const err = s.error ? ` ${pc.red(s.error)}` : "";
    lines.push(
      `  ${pc.bold("▸")} ${s.kind} ${pc.bold(s.name)} ${status(s.status)} (attempt ${s.attempt}) ${typeof s.durationMs === "number" ? `${s.durationMs} ms` : ms(s.startedAt, s.endedAt)}${err}`,
    );
    lines.push(...children(s.name, "      "));
  }
  if (run.output !== undefined && run.output !== null) lines.push(`  output ${dataText(run.output)}`);
  return lines.join("\n");
}

/** A run list as a table. */
export function runTable(items) {
  return table(
    ["ID", "FUNCTION", "VERSION", "TRIGGER", "STATUS", "CREATED", "DURATION"],
    items.map((r) => [
      r.id,
      r.function,
      `v${r.version}`,
      r.trigger,
      status(r.status),
      isoTime(r.createdAt),
      r.durationMs === null ? "" : `${r.durationMs} ms`,
    ]),
  );
}
