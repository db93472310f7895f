import { describe, expect, it, vi } from "vitest";
import { Backoff, jittered, sleep } from "./backoff.js";
import { isDiscoveryError } from "./errors.js";

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

describe("Backoff options", () => {
  it.each([
    ["initialMs", -5],
    ["initialMs", Number.NaN],
    ["maxMs", Number.POSITIVE_INFINITY],
    ["maxMs", 2 ** 31],
  ])("refuses %s = %s with DISCOVERY_INVALID_OPTION naming it", (name, value) => {
    let caught: unknown;
    try {
      new Backoff({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(isDiscoveryError(caught) && caught.code).toBe("DISCOVERY_INVALID_OPTION");
    expect((caught as Error).message).toContain(`backoff.${name} must be`);
  });

  it("sleeps at most setTimeout's limit instead of firing at once on a longer delay", async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      void sleep(2 ** 31 + 10).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(done).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("jittered", () => {
  it("spreads a delay by the given fraction either way", () => {
    expect(jittered(1_000, 0.1, () => 0)).toBe(900);
    expect(jittered(1_000, 0.1, () => 0.5)).toBe(1_000);
    expect(jittered(1_000, 0.1, () => 1)).toBe(1_100);
  });
});
