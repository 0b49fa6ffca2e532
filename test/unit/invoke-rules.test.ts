// The pure rules of ctx.invoke: who may call whom, how deep and how often, and what input may cross.
import { describe, expect, it } from "vitest";
import { checkInvoke, invokeInput, MAX_INVOKE_DEPTH, MAX_INVOKES_PER_RUN, refusalMessage } from "../../workers/lib/domain/invoke-rules";

const caller = { invokes: ["b"], depth: 0, allowedFunctions: null, invokedSoFar: 0 };

describe("checkInvoke", () => {
  it("allows a listed callee within the root's functions, depth and count", () => {
    expect(checkInvoke(caller, "b")).toBeNull();
    expect(checkInvoke({ ...caller, allowedFunctions: ["a", "b"], depth: MAX_INVOKE_DEPTH - 1 }, "b")).toBeNull();
  });

  it("refuses, with a tagged reason, each limit", () => {
    expect(checkInvoke(caller, "c")).toEqual({ reason: "not_listed", callee: "c" });
    expect(checkInvoke({ ...caller, allowedFunctions: ["a"] }, "b")).toEqual({ reason: "not_allowed", callee: "b" });
    expect(checkInvoke({ ...caller, depth: MAX_INVOKE_DEPTH }, "b")).toEqual({ reason: "too_deep", limit: MAX_INVOKE_DEPTH });
    expect(checkInvoke({ ...caller, invokedSoFar: MAX_INVOKES_PER_RUN }, "b")).toEqual({ reason: "too_many", limit: MAX_INVOKES_PER_RUN });
    expect(refusalMessage("a", { reason: "not_listed", callee: "c" })).toBe(`"a" may not invoke "c": add it to the manifest's "invokes"`);
  });
});

describe("invokeInput", () => {
  it("passes plain JSON and refuses what cannot cross safely", () => {
    expect(invokeInput({ a: [1, "x"] })).toMatchObject({ ok: true, value: { a: [1, "x"] } });
    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { deep };
    expect(invokeInput(deep)).toMatchObject({ ok: false });
    expect(invokeInput({ big: "x".repeat(1024 * 1024) })).toMatchObject({ ok: false });
    expect(invokeInput({ n: 1n })).toMatchObject({ ok: false });
  });
});
