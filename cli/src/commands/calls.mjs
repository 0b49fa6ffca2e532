/**
 * Commands that run functions and read what runs left: invoke (a tool call), jobs, runs (a
 * readable tree of steps, spans and logs) and logs (with --follow, the live stream of new lines).
 * Imports the CLI's own modules.
 */
import { KilnError, parseResponse } from "../api.mjs";
import { emit, isoTime, pc, runTable, runTree, status } from "../output.mjs";
import { enc, int, readInput, since, sleep, withClient } from "./shared.mjs";

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out"];

async function invoke(c, opts, name) {
  const input = readInput(opts);
  const started = Date.now();
  const res = await c.request("POST", `/v1/tools/${enc(name)}`, {
    body: input,
    raw: true,
    query: { async: opts.async ? "true" : undefined },
  });
  const durationMs = Date.now() - started;
  const runId = res.headers.get("kiln-run-id");
  let output;
  try {
    output = await parseResponse(res);
  } catch (err) {
    // The failed run's id is in the problem document; add it from the header when it is not.
    if (err instanceof KilnError && runId && !err.message.includes(runId)) err.message += `\n  run ${runId}`;
    throw err;
  }
  if (opts.async) return emit(opts, output, () => `${pc.green("✔")} job ${output.id} ${output.status}`);
  emit(opts, { output, runId, durationMs }, () => `${JSON.stringify(output, null, 2)}\n${pc.dim(`run ${runId} · ${durationMs} ms`)}`);
}

/** Polls a job until it ends; exits 1 unless it succeeded. */
async function waitJob(c, opts, id) {
  const deadline = Date.now() + (opts.timeout ?? 600) * 1000;
  let job = await c.get(`/v1/jobs/${enc(id)}`);
  let last = "";
  while (!TERMINAL.includes(job.status)) {
    if (Date.now() > deadline) throw new KilnError(`job ${id} is still ${job.status} after ${opts.timeout ?? 600} s`, { exitCode: 2 });
    const now = `${job.status} ${job.currentStep ?? ""}`;
    if (!opts.json && now !== last)
      process.stderr.write(pc.dim(`${id}: ${job.status}${job.currentStep ? ` (step ${job.currentStep})` : ""}\n`));
    last = now;
    await sleep(500);
    job = await c.get(`/v1/jobs/${enc(id)}`);
  }
  emit(
    opts,
    job,
    () =>
      `${job.id} ${status(job.status)}${job.error ? ` ${pc.red(job.error.message)}` : ""}\n${job.output !== undefined ? JSON.stringify(job.output, null, 2) : ""}`,
  );
  if (job.status !== "succeeded") process.exitCode = 1;
}

function registerJobs(program) {
  const jobs = program.command("jobs").description("start, inspect, wait for, cancel and signal jobs");
  jobs
    .command("start <function>")
    .description("start a job (202 with its id)")
    .option("--data <json>", "input as JSON")
    .option("--file <path>", "input from a JSON file (- for stdin)")
    .option("--idempotency-key <key>", "the same key and body start one job")
    .option("--wait", "wait until it ends and print its output")
    .action(
      withClient(async (c, opts, name) => {
        const headers = opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {};
        const job = await c.post("/v1/jobs", { function: name, input: readInput(opts) }, { headers });
        if (opts.wait) return waitJob(c, opts, job.id);
        emit(opts, job, () => `${pc.green("✔")} job ${pc.bold(job.id)} ${job.status}`);
      }),
    );
  jobs
    .command("get <id>")
    .description("a job's live state")
    .action(
      withClient(async (c, opts, id) => emit(opts, await c.get(`/v1/jobs/${enc(id)}`), (j) => runTree({ ...j, steps: j.steps ?? [] }))),
    );
  jobs
    .command("wait <id>")
    .description("wait until a job ends (exit code 1 unless it succeeded)")
    .option("--timeout <seconds>", "give up after (exit code 2)", int)
    .action(withClient(waitJob));
  jobs
    .command("cancel <id>")
    .description("cancel a job")
    .action(
      withClient(async (c, opts, id) =>
        emit(opts, await c.post(`/v1/jobs/${enc(id)}/cancel`), (j) => `${id} ${status(j?.status ?? "cancelled")}`),
      ),
    );
  jobs
    .command("event <id> <type>")
    .description("send an event to a job waiting for it (ctx.waitForEvent)")
    .option("--data <json>", "the event's payload as JSON")
    .option("--file <path>", "the payload from a JSON file (- for stdin)")
    .action(
      withClient(async (c, opts, id, type) =>
        emit(
          opts,
          await c.post(`/v1/jobs/${enc(id)}/events`, { type, payload: readInput(opts, null) }),
          () => `${pc.green("✔")} sent ${type} to ${id}`,
        ),
      ),
    );
  jobs
    .command("dead-letter")
    .description("failed jobs not yet replayed")
    .option("--limit <n>", "at most n", int)
    .action(
      withClient(async (c, opts) => emit(opts, (await c.get("/v1/jobs/dead-letter", { query: { limit: opts.limit } })).items, runTable)),
    );
}

function registerRuns(program) {
  const runs = program.command("runs").description("runs and their traces");
  runs
    .command("list", { isDefault: true })
    .option("--function <name>")
    .option("--status <status>", "queued | running | waiting | succeeded | failed | cancelled | timed_out")
    .option("--trigger <trigger>", "tool | job | schedule | webhook | replay | manual")
    .option("--since <time>", "ISO time or a duration back from now (15m, 2h, 7d)", (v) => since(v))
    .option("--limit <n>", "at most n (default 50)", int)
    .action(
      withClient(async (c, opts) => {
        const query = { function: opts.function, status: opts.status, trigger: opts.trigger, since: opts.since, limit: opts.limit };
        const page = await c.get("/v1/runs", { query });
        emit(opts, page, (p) => runTable(p.items));
      }),
    );
  runs
    .command("get <id>")
    .description("one run: steps, outbound calls and log lines as a tree")
    .action(withClient(async (c, opts, id) => emit(opts, await c.get(`/v1/runs/${enc(id)}`), runTree)));
  runs
    .command("replay <id>")
    .description("run an ended run again as a linked job")
    .option("--from-failed-step", "reuse the results of the steps that succeeded")
    .action(
      withClient(async (c, opts, id) =>
        emit(
          opts,
          await c.post(`/v1/runs/${enc(id)}/replay`, { fromFailedStep: Boolean(opts.fromFailedStep) }),
          (j) => `${pc.green("✔")} job ${j.id} ${j.status}`,
        ),
      ),
    );
}

/** One log line (as GET /v1/logs gives it) on one line, or as JSON with --json. */
function printLine(opts, l) {
  if (opts.json) return process.stdout.write(`${JSON.stringify(l)}\n`);
  const data = l.data === null || l.data === undefined ? "" : ` ${pc.dim(JSON.stringify(l.data))}`;
  process.stdout.write(`${pc.dim(isoTime(l.at))} ${pc.cyan(l.runId)} ${l.level.padEnd(5)} ${l.message}${data}\n`);
}

/** The events of a Server-Sent-Events body: `{ event, id, data }` for each frame (comments skipped). */
async function* sseEvents(body) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = { event: "message", id: null, data: [] };
      for (const line of buffer.slice(0, end).split("\n")) {
        const [, field, value] = /^([^:]*):? ?(.*)$/.exec(line) ?? [];
        if (field === "event") frame.event = value;
        else if (field === "id") frame.id = value;
        else if (field === "data") frame.data.push(value);
      }
      buffer = buffer.slice(end + 2);
      if (frame.data.length > 0) yield { ...frame, data: frame.data.join("\n") };
    }
  }
}

/**
 * Prints the function's newest log lines, oldest first; with --follow, every new line as runs
 * store it (GET /v1/logs/stream), reconnecting from the last line seen when the server ends a stream.
 */
async function logs(c, opts, name) {
  if (!opts.follow) {
    const page = await c.get("/v1/logs", { query: { function: name, since: opts.since, limit: opts.limit ?? 100 } });
    for (const line of page.items.reverse()) printLine(opts, line);
    return;
  }
  let last = null;
  for (;;) {
    const headers = last ? { "last-event-id": last } : {};
    const res = await c.request("GET", "/v1/logs/stream", { query: { function: name }, headers, raw: true });
    if (!res.ok) return parseResponse(res);
    for await (const event of sseEvents(res.body)) {
      if (event.id) last = event.id;
      if (event.event === "line") printLine(opts, JSON.parse(event.data));
    }
  }
}

export function registerCalls(program) {
  program
    .command("invoke <function>")
    .description("call a function as a tool: prints its output, run id and duration")
    .option("--data <json>", "input as JSON")
    .option("--file <path>", "input from a JSON file (- for stdin)")
    .option("--async", "start it as a job instead (needs jobs:write)")
    .action(withClient(invoke));
  registerJobs(program);
  registerRuns(program);
  program
    .command("logs <function>")
    .description("the function's newest log lines (across its runs)")
    .option("-f, --follow", "then keep printing new lines as runs write them (a live stream)")
    .option("--since <time>", "ISO time or duration back from now (15m, 2h)", (v) => since(v))
    .option("--limit <n>", "lines to show (default 100, at most 200)", int)
    .action(withClient(logs));
}
