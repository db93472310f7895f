import { describe, expect, it } from "vitest";
import { Backoff, jittered } from "./backoff.js";

describe("Backoff", () => {
  it("doubles its ceiling up to the cap, jitters within the upper half, and starts over on reset", () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    top.reset();
    expect(top.next()).toBe(100);
    const bottom = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect([bottom.next(), bottom.next()]).toEqual([50, 100]);
  });
});

describe("jittered", () => {
  it("spreads a delay by the given fraction either way", () => {
    expect(jittered(1_000, 0.1, () => 0)).toBe(900);
    expect(jittered(1_000, 0.1, () => 0.5)).toBe(1_000);
    expect(jittered(1_000, 0.1, () => 1)).toBe(1_100);
  });
});
