import { describe, expect, it } from "vitest";
import { takeToken } from "../../workers/lib/domain/rate-limit";

const LIMIT = { requests: 3, perSeconds: 3 }; // one token per second

describe("token bucket", () => {
  it("allows a burst of `requests`, then refuses with the seconds until one token is back", () => {
    let bucket = null;
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const d = takeToken(bucket, LIMIT, 1_000);
      expect(d.allowed).toBe(true);
      remaining.push(d.remaining);
      bucket = d.bucket;
    }
    expect(remaining).toEqual([2, 1, 0]);
    const refused = takeToken(bucket, LIMIT, 1_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 3, limit: 3 });
  });

  it("refills evenly, never above `requests`, and caps a bucket at a lowered limit", () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeToken(empty, LIMIT, 999).allowed).toBe(false);
    expect(takeToken(empty, LIMIT, 1_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(takeToken(empty, LIMIT, 3_600_000)).toMatchObject({ allowed: true, remaining: 2 });
    expect(takeToken({ tokens: 3, at: 0 }, { requests: 1, perSeconds: 60 }, 0)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("says Retry-After of at least 1 s even for fast refills, and more for slow ones", () => {
    expect(takeToken({ tokens: 0.99, at: 0 }, { requests: 1000, perSeconds: 1 }, 0).retryAfterSeconds).toBe(1);
    expect(takeToken({ tokens: 0, at: 0 }, { requests: 1, perSeconds: 60 }, 0).retryAfterSeconds).toBe(60);
  });
});
