// The per-isolate cache behind active functions and webhook endpoints: entries expire, and keys a
// caller chooses (a flood of unknown function names or endpoint ids) cannot grow it past its bound.
import { describe, expect, it } from "vitest";
import { TtlCache } from "../../workers/lib/infra/ttl-cache";

describe("TtlCache", () => {
  it("serves an entry until its TTL has passed", () => {
    const cache = new TtlCache<number>(5_000, 10);
    cache.set("a", 1, 1_000);
    expect(cache.get("a", 5_999)?.value).toBe(1);
    expect(cache.get("a", 6_000)).toBeUndefined();
  });

  it("keeps at most its bound, dropping the oldest first, whatever keys arrive", () => {
    const cache = new TtlCache<null>(5_000, 100);
    cache.set("kept", null, 0);
    for (let i = 0; i < 10_000; i++) cache.set(`unknown-${i}`, null, 1);
    expect(cache.get("kept", 2)).toBeUndefined();
    expect(cache.get("unknown-9999", 2)).toEqual({ at: 1, value: null });
    expect(cache.get("unknown-9899", 2)).toBeUndefined();
  });

  it("refreshes a key on set and forgets it on delete", () => {
    const cache = new TtlCache<string>(5_000, 2);
    cache.set("a", "1", 0);
    cache.set("b", "2", 0);
    cache.set("a", "3", 1); // a is now the newest
    cache.set("c", "4", 1); // b goes
    expect([cache.get("a", 2)?.value, cache.get("b", 2), cache.get("c", 2)?.value]).toEqual(["3", undefined, "4"]);
    cache.delete("a");
    expect(cache.get("a", 2)).toBeUndefined();
  });
});
