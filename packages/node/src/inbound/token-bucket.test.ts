import { describe, expect, it } from "vitest";
import { fakeClock } from "./test-fixture.js";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("admits a full burst, then one per 1/rate, answering the wait in ms", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(4, 3, clock);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(250);
    clock.advance(100);
    expect(bucket.take()).toBeCloseTo(150);
    clock.advance(150);
    expect(bucket.take()).toBe(0);
  });

  it("never holds more than the burst, however long it was idle", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 2, clock);
    clock.advance(3_600_000);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });

  it("owes a token earned in float steps (10 × 0.1 is 0.9999999999999999)", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, 1, clock);
    bucket.take();
    for (let i = 0; i < 9; i++) {
      clock.advance(100);
      expect(bucket.take()).toBeGreaterThan(0); // each check refills by 0.1 and takes nothing
    }
    clock.advance(100);
    expect(bucket.take()).toBe(0);
  });

  it("ignores a clock that steps back instead of draining", () => {
    let now = 5_000;
    const bucket = new TokenBucket(1, 1, { now: () => now });
    now = 0;
    expect(bucket.take()).toBe(0);
  });

  it("keeps earned tokens across reconfigure, capped at the new burst", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, 5, clock);
    bucket.reconfigure(1, 2);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBe(1_000);
    bucket.reconfigure(2, 2);
    expect(bucket.take()).toBe(500);
  });
});
