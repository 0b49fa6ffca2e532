// Pure schedule slot logic: fire times across daylight-saving changes, catch-up and overlap
// policies, jitter bounds, end dates. The clock is always passed in.
import { describe, expect, it } from "vitest";
import {
  isoInZone,
  jitterFor,
  MAX_CATCH_UP,
  nextFireAt,
  nextSlots,
  parseCron,
  planTick,
  type ScheduleState,
} from "../../workers/lib/domain/schedule-slots";

const t = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

function cronOf(expr: string, tz = "UTC") {
  const parsed = parseCron(expr, tz);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cron;
}

function state(expr: string, tz: string, lastSlotAt: number, o: Partial<ScheduleState> = {}): ScheduleState {
  return {
    id: "sch_test",
    cron: cronOf(expr, tz),
    catchUp: "latest",
    overlap: "skip",
    jitterMs: 0,
    endAt: null,
    lastSlotAt,
    pendingSlotAt: null,
    ...o,
  };
}

/** Ticks every minute from `from` to `to` like the cron handler: a schedule is looked at only once due. */
function simulate(s: ScheduleState, from: number, to: number, live = () => false): number[] {
  let cur = { ...s };
  let next = nextFireAt(cur, cur.lastSlotAt);
  const fired: number[] = [];
  for (let now = from; now <= to; now += 60_000) {
    if (next === null || next > now) continue;
    const plan = planTick(cur, now, live());
    fired.push(...plan.fire);
    cur = { ...cur, lastSlotAt: plan.lastSlotAt, pendingSlotAt: plan.pendingSlotAt };
    next = plan.nextFireAt;
  }
  return fired;
}

describe("fire times across daylight-saving changes", () => {
  const cases: [string, string, string, string, string[]][] = [
    // [expr, zone, ticks from, ticks to, every slot fired in between]
    [
      "0 9 * * *",
      "Europe/Berlin",
      "2026-03-27T12:00:00Z",
      "2026-03-30T12:00:00Z",
      ["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"],
    ],
    [
      "0 9 * * *",
      "Europe/Berlin",
      "2026-10-23T12:00:00Z",
      "2026-10-26T12:00:00Z",
      ["2026-10-24T07:00:00.000Z", "2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"],
    ],
    // 02:30 does not exist on spring-forward day: it fires once, at 03:00; on fall-back day once, at the first 02:30.
    [
      "30 2 * * *",
      "Europe/Berlin",
      "2026-03-27T12:00:00Z",
      "2026-03-30T12:00:00Z",
      ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
    ],
    [
      "30 2 * * *",
      "Europe/Berlin",
      "2026-10-23T12:00:00Z",
      "2026-10-26T12:00:00Z",
      ["2026-10-24T00:30:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
    ],
    [
      "0 9 * * *",
      "America/New_York",
      "2026-03-06T18:00:00Z",
      "2026-03-09T18:00:00Z",
      ["2026-03-07T14:00:00.000Z", "2026-03-08T13:00:00.000Z", "2026-03-09T13:00:00.000Z"],
    ],
    [
      "0 9 * * *",
      "America/New_York",
      "2026-10-30T18:00:00Z",
      "2026-11-02T18:00:00Z",
      ["2026-10-31T13:00:00.000Z", "2026-11-01T14:00:00.000Z", "2026-11-02T14:00:00.000Z"],
    ],
    [
      "30 2 * * *",
      "America/New_York",
      "2026-03-06T18:00:00Z",
      "2026-03-09T18:00:00Z",
      ["2026-03-07T07:30:00.000Z", "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"],
    ],
    [
      "30 2 * * *",
      "America/New_York",
      "2026-10-30T18:00:00Z",
      "2026-11-02T18:00:00Z",
      ["2026-10-31T06:30:00.000Z", "2026-11-01T07:30:00.000Z", "2026-11-02T07:30:00.000Z"],
    ],
  ];
  it.each(cases)("%s in %s from %s: one fire per day, none lost or doubled", (expr, tz, from, to, expected) => {
    expect(isos(simulate(state(expr, tz, t(from)), t(from), t(to)))).toEqual(expected);
    expect(isos(nextSlots(cronOf(expr, tz), t(from), 3))).toEqual(expected);
  });

  it("formats fire times with the zone's offset at that instant", () => {
    expect(isoInZone(t("2026-03-28T08:00:00Z"), "Europe/Berlin")).toBe("2026-03-28T09:00:00+01:00");
    expect(isoInZone(t("2026-03-29T07:00:00Z"), "Europe/Berlin")).toBe("2026-03-29T09:00:00+02:00");
    expect(isoInZone(t("2026-11-01T14:00:00Z"), "America/New_York")).toBe("2026-11-01T09:00:00-05:00");
    expect(isoInZone(t("2026-11-01T14:00:00Z"), "UTC")).toBe("2026-11-01T14:00:00+00:00");
  });
});

describe("parsing", () => {
  it("rejects a bad zone, a bad field and a sixth field, saying what is wrong", () => {
    expect(parseCron("0 9 * * *", "Mars/Olympus")).toMatchObject({ ok: false, reason: "bad_zone" });
    expect(parseCron("61 9 * * *", "UTC")).toMatchObject({ ok: false, reason: "bad_cron", message: expect.stringMatching(/minute/) });
    expect(parseCron("0 0 9 * * *", "UTC")).toMatchObject({ ok: false, reason: "bad_cron", message: expect.stringMatching(/5 fields/) });
    expect(parseCron("0 0 31 2 *", "UTC")).toMatchObject({ ok: false, reason: "bad_cron", message: expect.stringMatching(/never fires/) });
    expect(parseCron("0 9 * * 1-5", "Europe/Berlin")).toMatchObject({ ok: true });
  });
});

describe("catch-up after a gap", () => {
  const hourly = (catchUp: ScheduleState["catchUp"]) => state("0 * * * *", "UTC", t("2026-05-01T00:00:00Z"), { catchUp });
  it("all fires every missed slot, latest the newest, skip only an on-time one", () => {
    const onTime = t("2026-05-01T05:00:00Z");
    expect(isos(planTick(hourly("all"), onTime, false).fire)).toEqual(
      ["01", "02", "03", "04", "05"].map((h) => `2026-05-01T${h}:00:00.000Z`),
    );
    expect(isos(planTick(hourly("latest"), onTime, false).fire)).toEqual(["2026-05-01T05:00:00.000Z"]);
    expect(isos(planTick(hourly("skip"), onTime, false).fire)).toEqual(["2026-05-01T05:00:00.000Z"]);
    const late = t("2026-05-01T05:30:00Z");
    expect(planTick(hourly("all"), late, false).fire).toHaveLength(5);
    expect(isos(planTick(hourly("latest"), late, false).fire)).toEqual(["2026-05-01T05:00:00.000Z"]);
    expect(planTick(hourly("skip"), late, false).fire).toEqual([]);
    // Whatever fired, the missed slots are dealt with and the next is 06:00.
    for (const p of ["all", "latest", "skip"] as const) {
      expect(planTick(hourly(p), late, false)).toMatchObject({
        lastSlotAt: t("2026-05-01T05:00:00Z"),
        nextFireAt: t("2026-05-01T06:00:00Z"),
      });
    }
  });

  it("a sparse expression after a long gap fires exactly its missed slots", () => {
    const s = state("0 0 29 2 *", "UTC", t("2020-03-01T00:00:00Z"), { catchUp: "all" });
    expect(isos(planTick(s, t("2029-01-01T00:00:00Z"), false).fire)).toEqual(["2024-02-29T00:00:00.000Z", "2028-02-29T00:00:00.000Z"]);
  });

  it(`all is bounded to the newest ${MAX_CATCH_UP} slots`, () => {
    const s = state("* * * * *", "UTC", t("2026-05-01T00:00:00Z"), { catchUp: "all" });
    const plan = planTick(s, t("2026-05-01T20:00:00Z"), false);
    expect(plan.fire).toHaveLength(MAX_CATCH_UP);
    expect(plan.fire.at(-1)).toBe(t("2026-05-01T20:00:00Z"));
  });
});

describe("overlap with a live run", () => {
  const at = t("2026-05-01T05:00:00Z");
  const s = (overlap: ScheduleState["overlap"]) => state("0 * * * *", "UTC", t("2026-05-01T04:00:00Z"), { overlap });
  it("skip drops the slot, allow fires it, buffer_one holds it until the run ends", () => {
    expect(planTick(s("skip"), at, true)).toMatchObject({ fire: [], lastSlotAt: at, pendingSlotAt: null, skipped: 1 });
    expect(planTick(s("allow"), at, true)).toMatchObject({ fire: [at], skipped: 0 });
    const held = planTick(s("buffer_one"), at, true);
    expect(held).toMatchObject({ fire: [], pendingSlotAt: at, nextFireAt: at + 60_000, skipped: 0 });
    // Still live a minute later: still held; once it ended: fired.
    const later = { ...s("buffer_one"), lastSlotAt: held.lastSlotAt, pendingSlotAt: held.pendingSlotAt };
    expect(planTick(later, at + 60_000, true)).toMatchObject({ fire: [], pendingSlotAt: at, skipped: 0 });
    expect(planTick(later, at + 120_000, false)).toMatchObject({ fire: [at], pendingSlotAt: null, nextFireAt: t("2026-05-01T06:00:00Z") });
    // Still live at the next slot: the newer slot is held and the older one is counted as skipped.
    expect(planTick(later, t("2026-05-01T06:00:00Z"), true)).toMatchObject({
      fire: [],
      pendingSlotAt: t("2026-05-01T06:00:00Z"),
      skipped: 1,
    });
  });

  it("counts the slots a catch-up policy drops", () => {
    const gap = (catchUp: ScheduleState["catchUp"]) => state("0 * * * *", "UTC", t("2026-05-01T00:00:00Z"), { catchUp, overlap: "allow" });
    const late = t("2026-05-01T05:10:00Z");
    expect(planTick(gap("all"), late, false)).toMatchObject({ skipped: 0 });
    expect(planTick(gap("latest"), late, false)).toMatchObject({ fire: [t("2026-05-01T05:00:00Z")], skipped: 4 });
    expect(planTick(gap("skip"), late, false)).toMatchObject({ fire: [], skipped: 5 });
  });
});

describe("jitter and end date", () => {
  it("delays each slot by a fixed amount below jitterMs", () => {
    for (let i = 0; i < 500; i++) {
      const j = jitterFor(`sch_${i}`, t("2026-05-01T05:00:00Z") + i * 60_000, 30_000);
      expect(j).toBeGreaterThanOrEqual(0);
      expect(j).toBeLessThan(30_000);
      expect(jitterFor(`sch_${i}`, t("2026-05-01T05:00:00Z") + i * 60_000, 30_000)).toBe(j);
    }
    expect(jitterFor("sch_x", 0, 0)).toBe(0);
  });

  it("a jittered slot fires at the first tick after slot + jitter, not before", () => {
    const slot = t("2026-05-01T05:00:00Z");
    const s = state("0 * * * *", "UTC", t("2026-05-01T04:00:00Z"), { jitterMs: 600_000, id: "sch_jit" });
    const j = jitterFor("sch_jit", slot, 600_000);
    expect(nextFireAt(s, s.lastSlotAt)).toBe(slot + j);
    expect(planTick(s, slot + j - 1, false).fire).toEqual([]);
    expect(planTick(s, slot + j, false).fire).toEqual([slot]);
  });

  it("fires no slot after endAt and then has no next fire time", () => {
    const s = state("0 * * * *", "UTC", t("2026-05-01T00:00:00Z"), { endAt: t("2026-05-01T02:30:00Z"), catchUp: "all" });
    const plan = planTick(s, t("2026-05-01T05:00:00Z"), false);
    expect(isos(plan.fire)).toEqual(["2026-05-01T01:00:00.000Z", "2026-05-01T02:00:00.000Z"]);
    expect(plan.nextFireAt).toBeNull();
  });
});
