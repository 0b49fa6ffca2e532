// The logs explorer: log lines across runs, filtered and paged newest first, over indexes; the
// live tail delivers lines written after it opened, and resumes from Last-Event-ID.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { LogsPage } from "../../workers/lib/contracts/logs";
import { api, deploy, json, waitForRun } from "../helpers/api";

const LOGGER = `import { defineFunction, z } from "kiln";
export default defineFunction({
  input: z.object({ tag: z.string(), level: z.enum(["info", "warn", "error"]) }),
  run: ({ tag, level }, ctx) => { ctx.log[level]("line " + tag, { tag, n: [1, 2] }); return tag; },
});`;

async function call(fn: string, tag: string, level = "info"): Promise<string> {
  const res = await api(`/v1/tools/${fn}`, { body: { tag, level } });
  const id = res.headers.get("kiln-run-id")!;
  await waitForRun(id);
  return id;
}

const messages = async (query: string, key?: string) =>
  LogsPage.parse(await json(await api(`/v1/logs?${query}`, { key }))).items.map((l) => l.message);

/** Reads server-sent events until `stop` says enough (or the timeout), then closes the stream. */
async function readEvents(res: Response, stop: (events: { event: string; id: string; data: any }[]) => boolean, ms = 10_000) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; id: string; data: any }[] = [];
  let buffer = "";
  const deadline = Date.now() + ms;
  while (!stop(events) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) => frame.match(new RegExp(`^${name}: ?(.*)$`, "m"))?.[1] ?? "";
      if (field("event")) events.push({ event: field("event"), id: field("id"), data: JSON.parse(field("data")) });
    }
  }
  await reader.cancel();
  return events;
}

describe("logs explorer", () => {
  beforeAll(async () => {
    await deploy("log-alpha", LOGGER);
    await deploy("log-beta", LOGGER);
    await call("log-alpha", "a1");
    await call("log-beta", "b1", "warn");
    await call("log-alpha", "a2", "error");
  });

  it("lists lines across runs newest first, with run, function, parsed data and ISO time", async () => {
    const page = LogsPage.parse(await json(await api("/v1/logs")));
    expect(page.items.map((l) => l.message)).toEqual(["line a2", "line b1", "line a1"]);
    expect(page.items[0]).toMatchObject({ function: "log-alpha", level: "error", step: null, data: { tag: "a2", n: [1, 2] } });
    expect(page.items[0]!.runId).toMatch(/^run_/);
    expect(Number.isNaN(Date.parse(page.items[0]!.at))).toBe(false);
  });

  it("filters by function, name prefix, level, text and time, and pages with a cursor", async () => {
    expect(await messages("function=log-alpha")).toEqual(["line a2", "line a1"]);
    expect(await messages("function=log-*")).toEqual(["line a2", "line b1", "line a1"]);
    expect(await messages("level=warn")).toEqual(["line b1"]);
    expect(await messages("q=A1")).toEqual(["line a1"]);
    expect(await messages("q=%25")).toEqual([]);
    expect(await messages(`since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect(await messages(`until=${new Date(Date.now() + 60_000).toISOString()}&function=log-beta`)).toEqual(["line b1"]);
    const first = LogsPage.parse(await json(await api("/v1/logs?limit=2")));
    expect(first.items.map((l) => l.message)).toEqual(["line a2", "line b1"]);
    const rest = LogsPage.parse(await json(await api(`/v1/logs?limit=2&cursor=${first.nextCursor}`)));
    expect(rest).toMatchObject({ items: [{ message: "line a1" }], nextCursor: null });
  });

  it("shows a key limited to some functions only their lines", async () => {
    const created = await json(await api("/v1/keys", { body: { name: "alpha-reader", scopes: ["runs:read"], functions: ["log-alpha"] } }));
    expect(await messages("", created.key)).toEqual(["line a2", "line a1"]);
    expect(await messages("function=log-beta", created.key)).toEqual([]);
  });

  it("uses an index for each filter, never a scan of the whole table", async () => {
    const plan = async (where: string) => {
      const sql = `explain query plan select rowid from run_logs where ${where} order by at desc, rowid desc limit 100`;
      const rows = (await env.DB.prepare(sql).all<{ detail: string }>()).results.map((r) => r.detail);
      return rows.join(" | ");
    };
    expect(await plan("1")).toMatch(/USING (COVERING )?INDEX run_logs_at/);
    expect(await plan("function_name = 'x' and at >= 1")).toMatch(/USING (COVERING )?INDEX run_logs_fn_at/);
    expect(await plan("function_name in ('x', 'y')")).toMatch(/USING (COVERING )?INDEX run_logs_fn_at/);
    expect(await plan("level = 'warn' and at <= 5")).toMatch(/USING (COVERING )?INDEX run_logs_(level_at|at)/);
    for (const where of ["function_name = 'x'", "level = 'error'", "at >= 1 and at <= 2"])
      expect(await plan(where)).not.toMatch(/SCAN run_logs(?! USING)/);
  });

  it("streams lines written after it opened, and resumes from Last-Event-ID", async () => {
    const res = await api("/v1/logs/stream?function=log-beta");
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const pending = readEvents(res, (events) => events.some((e) => e.event === "line"));
    await new Promise((r) => setTimeout(r, 200));
    await call("log-alpha", "not-this-one");
    await call("log-beta", "live");
    const events = await pending;
    const ready = events.find((e) => e.event === "ready")!;
    const lines = events.filter((e) => e.event === "line");
    expect(lines.map((e) => e.data.message)).toEqual(["line live"]);
    expect(lines[0]!.data).toMatchObject({ function: "log-beta", level: "info", data: { tag: "live", n: [1, 2] } });
    // A reconnect that names the last event it saw gets what came after it: here the same line.
    const again = await api("/v1/logs/stream?function=log-beta", { headers: { "last-event-id": ready.id } });
    const resumed = await readEvents(again, (e) => e.some((x) => x.event === "line"));
    expect(resumed.filter((e) => e.event === "line").map((e) => e.id)).toEqual([lines[0]!.id]);
  });

  it("looks for text in a bounded window of lines, and the cursor carries the search further back", async () => {
    // 5,100 lines of one function (one statement), the only match being the oldest.
    await env.DB.prepare(
      `insert into run_logs (run_id, seq, level, message, at, function_name)
       with recursive n(i) as (select 0 union all select i + 1 from n where i < 5100)
       select 'run_fill', i, 'info', case when i = 0 then 'the needle' else 'hay' end, 1000 + i, 'log-fill' from n`,
    ).run();
    const first = LogsPage.parse(await json(await api("/v1/logs?function=log-fill&q=needle")));
    expect(first.items).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const next = LogsPage.parse(await json(await api(`/v1/logs?function=log-fill&q=needle&cursor=${first.nextCursor}`)));
    expect(next).toMatchObject({ items: [{ message: "the needle", runId: "run_fill" }], nextCursor: null });
  });
});
