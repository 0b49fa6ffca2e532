// The dashboard's pure helpers: input examples from a function's schema (as Kiln stores it) and
// the ordering of a run's trace in the waterfall.
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { actorLabel, detailPairs } from "../../dashboard/src/lib/audit";
import { canCancel, canReplay, eachBounded, type Outcome, replayWithEditsHref } from "../../dashboard/src/lib/bulk";
import { exampleFromSchema } from "../../dashboard/src/lib/example-from-schema";
import { duration, payloadMarker } from "../../dashboard/src/lib/format";
import { barIn, buildTimeline, zoomWindow } from "../../dashboard/src/lib/timeline";
import { pageTitle } from "../../dashboard/src/lib/titles";
import { storedJson } from "../../workers/lib/domain/json-text";

describe("exampleFromSchema", () => {
  it("pre-fills input that the function's own schema accepts", () => {
    const input = z.object({
      ticketId: z.string().min(3),
      email: z.string().email(),
      urgency: z.enum(["low", "high"]).default("low"),
      attempts: z.number().int().min(2).max(5),
      tags: z.array(z.string()).min(2),
      nested: z.object({ ok: z.boolean(), note: z.string().optional() }),
    });
    const schema = z.toJSONSchema(input, { io: "input" });
    const example = exampleFromSchema(schema);
    expect(new Validator(schema as object, "2020-12", false).validate(example).valid).toBe(true);
    expect(input.safeParse(example).success).toBe(true);
    expect(example).toMatchObject({ urgency: "low", attempts: 2 });
  });

  it("survives odd schemas", () => {
    expect(exampleFromSchema(null)).toBeNull();
    expect(exampleFromSchema({ anyOf: [{ type: "null" }, { type: "string", format: "uuid" }] })).toEqual(expect.any(String));
    const deep: Record<string, unknown> = { type: "object", properties: {} };
    let cursor = deep;
    for (let i = 0; i < 20; i++) {
      const next = { type: "object", properties: {} };
      (cursor.properties as Record<string, unknown>).child = next;
      cursor = next;
    }
    expect(() => exampleFromSchema(deep)).not.toThrow();
  });
});

describe("buildTimeline", () => {
  it("places child runs (ctx.invoke) as rows at their start, running ones open-ended", () => {
    const t = 2_000_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const child = (id: string, start: number, end: number | null) => ({
      id,
      function: "leaf",
      trigger: "invoke",
      status: end === null ? "running" : "succeeded",
      error: null,
      createdAt: iso(start - 1),
      startedAt: iso(start),
      endedAt: end === null ? null : iso(end),
      durationMs: end === null ? null : end - start,
    });
    const run = {
      startedAt: iso(t),
      endedAt: null,
      createdAt: iso(t),
      steps: [
        {
          name: "invoke leaf",
          kind: "step",
          status: "running",
          attempt: 1,
          startedAt: iso(t + 5),
          endedAt: null,
          durationMs: null,
          error: null,
          output: null,
        },
      ],
      spans: [],
      logs: [],
      children: [child("run_b", t + 30, null), child("run_a", t + 6, t + 20)],
    } as unknown as Parameters<typeof buildTimeline>[0];
    const timeline = buildTimeline(run, t + 100);
    expect(timeline.rows.map((r) => (r.kind === "child" ? `${r.child.id}:${r.end === null ? "open" : r.end - t}` : r.kind))).toEqual([
      "step",
      "run_a:20",
      "run_b:open",
    ]);
    expect(timeline.total).toBe(100);
  });

  it("orders steps, calls and logs by time, with ties broken in the order they happened", () => {
    const t = 1_000_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const run = {
      startedAt: new Date(t).toISOString(),
      endedAt: new Date(t + 50).toISOString(),
      createdAt: new Date(t).toISOString(),
      steps: [
        {
          name: "fetch",
          kind: "step",
          status: "succeeded",
          attempt: 1,
          startedAt: iso(t + 10),
          endedAt: iso(t + 40),
          durationMs: 30,
          error: null,
          output: null,
        },
      ],
      spans: [
        {
          step: "fetch",
          method: "GET",
          host: "api.example.com",
          path: "/",
          status: 200,
          startedAt: iso(t + 10),
          durationMs: 20,
          error: null,
        },
      ],
      logs: [
        { level: "info", message: "inside", data: null, step: "fetch", at: iso(t + 10) },
        { level: "info", message: "before", data: null, step: null, at: iso(t + 10) },
        { level: "info", message: "after", data: null, step: null, at: iso(t + 45) },
      ],
    } as unknown as Parameters<typeof buildTimeline>[0];
    const timeline = buildTimeline(run);
    expect(timeline.rows.map((r) => (r.kind === "log" ? `log:${r.log.message}` : r.kind))).toEqual([
      "log:before",
      "step",
      "span",
      "log:inside",
      "log:after",
    ]);
    expect(timeline.origin).toBe(t);
    expect(timeline.total).toBe(50);
    expect(timeline.rows.map((r) => r.depth)).toEqual([0, 0, 1, 1, 0]);
  });

  it("nests a step's calls and logs under it and groups its retries with the back-off between them", () => {
    const t = 3_000_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const step = (name: string, attempt: number, start: number, end: number, status: string) => ({
      name,
      kind: "step",
      status,
      attempt,
      startedAt: iso(t + start),
      endedAt: iso(t + end),
      durationMs: end - start,
      error: status === "failed" ? "boom" : null,
      output: null,
    });
    const log = (message: string, stepName: string | null, at: number) => ({
      level: "info",
      message,
      data: null,
      step: stepName,
      at: iso(t + at),
    });
    const run = {
      startedAt: iso(t),
      endedAt: iso(t + 60),
      createdAt: iso(t),
      steps: [step("pay", 1, 0, 10, "failed"), step("pay", 2, 30, 40, "succeeded"), step("notify", 1, 50, 60, "succeeded")],
      spans: [
        {
          step: "pay",
          method: "POST",
          host: "psp.example",
          path: "/charge",
          status: 500,
          startedAt: iso(t + 2),
          durationMs: 5,
          error: null,
        },
      ],
      logs: [log("try 2", "pay", 35), log("outside", null, 12), log("try 1", "pay", 5), log("told", "notify", 55)],
    } as unknown as Parameters<typeof buildTimeline>[0];
    const rows = buildTimeline(run).rows.map((r) => {
      const what = r.kind === "step" ? `${r.step.name}#${r.step.attempt}` : r.kind === "log" ? r.log.message : r.kind;
      return `${what}@${r.depth}${r.backoffMs === null ? "" : ` after ${r.backoffMs}`}`;
    });
    expect(rows).toEqual(["pay#1@0", "span@1", "try 1@1", "pay#2@1 after 20", "try 2@2", "outside@0", "notify#1@0", "told@1"]);
  });

  it("zooms the time axis within the run and clips bars to the window", () => {
    const half = zoomWindow({ from: 0, to: 1000 }, 1000, 0.5);
    expect(half).toEqual({ from: 250, to: 750 });
    // Zooming in near the end stays inside the run; zooming out never passes the whole run.
    expect(zoomWindow({ from: 900, to: 1000 }, 1000, 0.5, 990)).toEqual({ from: 950, to: 1000 });
    expect(zoomWindow(half, 1000, 4)).toEqual({ from: 0, to: 1000 });
    expect(barIn(half, 500, 600)).toEqual({ left: 50, width: 20 });
    // A bar before the window is a sliver at its left edge; a running one reaches the right edge.
    expect(barIn(half, 0, 100)).toEqual({ left: 0, width: 0.5 });
    expect(barIn(half, 700, null)).toEqual({ left: 90, width: 10 });
  });
});

describe("audit log display", () => {
  it("shows details as name/value pairs and the actor by name when known", () => {
    expect(detailPairs({ name: "ci", scopes: ["tools:call"], version: 2, functions: null })).toEqual([
      ["name", "ci"],
      ["scopes", '["tools:call"]'],
      ["version", "2"],
      ["functions", "null"],
    ]);
    expect(actorLabel({ keyId: "key_1", kind: "token", name: "ci" })).toBe("ci");
    expect(actorLabel({ keyId: "admin", kind: "admin" })).toBe("admin");
  });
});

describe("page titles and durations", () => {
  it("names the page and the thing it shows in the tab title", () => {
    expect(pageTitle("/")).toBe("Kiln");
    expect(pageTitle("/functions")).toBe("Functions · Kiln");
    expect(pageTitle("/functions/new")).toBe("New function · Functions · Kiln");
    expect(pageTitle("/functions/greet")).toBe("greet · Functions · Kiln");
    expect(pageTitle("/jobs/dead-letters")).toBe("Dead letters · Jobs · Kiln");
    expect(pageTitle("/runs/run_01%ZZ")).toBe("run_01%ZZ · Runs · Kiln");
    expect(pageTitle("/keys")).toBe("API keys · Kiln");
    expect(pageTitle("/nowhere")).toBe("Not found · Kiln");
  });

  it("shows a duration too short for the platform's clock as < 1 ms, never 0", () => {
    expect(duration(0)).toBe("< 1 ms");
    expect(duration(0.4)).toBe("< 1 ms");
    expect(duration(74)).toBe("74 ms");
    expect(duration(null)).toBe("—");
  });
});

describe("bulk actions on runs", () => {
  const run = (id: string, trigger: string, status: string) => ({ id, function: "billing-refund", trigger, status });

  it("cancels only jobs that have not ended, replays only runs that have", () => {
    const runs = [run("a", "job", "waiting"), run("b", "tool", "running"), run("c", "job", "failed"), run("d", "tool", "succeeded")];
    expect(runs.filter(canCancel).map((r) => r.id)).toEqual(["a"]);
    expect(runs.filter(canReplay).map((r) => r.id)).toEqual(["c", "d"]);
    expect(replayWithEditsHref(run("run_1", "job", "failed"))).toBe("/functions/billing-refund?replay=run_1#try");
  });

  it("runs at most `limit` calls at once and reports every outcome, failures included", async () => {
    let running = 0;
    let peak = 0;
    const seen: [string, Outcome][] = [];
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}` }));
    await eachBounded(
      items,
      3,
      async ({ id }) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (id === "r4") throw new Error("409 still running");
        return { ok: true, text: "done" };
      },
      (id, o) => seen.push([id, o]),
    );
    expect(peak).toBe(3);
    expect(seen).toHaveLength(10);
    expect(seen.find(([id]) => id === "r4")?.[1]).toEqual({ ok: false, text: "409 still running" });
  });
});

describe("payloadMarker", () => {
  it("finds Kiln's marker as a value (a run's input) or as JSON text (a step's result), and nothing else", () => {
    const text = storedJson(JSON.stringify({ blob: "x".repeat(70_000) }), "runs/run_1/output");
    expect(payloadMarker(JSON.parse(text))).toEqual({ characters: 70_011, preview: JSON.parse(text).preview });
    expect(payloadMarker(text)?.characters).toBe(70_011);
    expect(payloadMarker({ blob: "small" })).toBeNull();
    expect(payloadMarker('{"kiln:truncated": "no"')).toBeNull();
    expect(payloadMarker("plain text")).toBeNull();
  });
});
