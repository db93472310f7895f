import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isDiscoveryError } from "./errors.js";
import { Heartbeat, type RegisterReason } from "./heartbeat.js";

// The loop's timing with a fake clock: each step is a plain function, so no I/O is involved.
describe("Heartbeat", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A step that fails while `down` is true and records when it ran and why. */
  function fixture(intervalMs: number, random: () => number) {
    const calls: Array<{ at: number; reason: RegisterReason }> = [];
    const state = { down: true };
    const heartbeat = new Heartbeat(
      async (reason) => {
        calls.push({ at: Date.now(), reason });
        if (state.down) throw new Error("registry down");
        heartbeat.registered(reason);
      },
      { intervalMs, retry: { initialMs: 500 }, random },
    );
    return { heartbeat, calls, state };
  }

  it("retries with doubling backoff capped at one interval, then beats on the jittered interval", async () => {
    const start = Date.now();
    const { heartbeat, calls, state } = fixture(3_000, () => 1); // random 1: the top of every jitter range
    const errors: Error[] = [];
    heartbeat.onError((e) => errors.push(e));
    const registered = heartbeat.start();
    await vi.advanceTimersByTimeAsync(500 + 1_000 + 2_000 + 3_000); // four retries: 500, 1000, 2000, 3000 (cap)
    expect(calls.map((c) => c.at - start)).toEqual([0, 500, 1_500, 3_500, 6_500]);
    expect(errors).toHaveLength(5);

    state.down = false;
    await vi.advanceTimersByTimeAsync(3_000); // the registry is back: the next attempt, within one interval, succeeds
    await registered;
    expect(calls.at(-1)).toEqual({ at: start + 9_500, reason: "re-register" });
    await vi.advanceTimersByTimeAsync(3_300); // success: back to the interval, +10% jitter
    expect(calls.map((c) => c.at - start).slice(-2)).toEqual([9_500, 12_800]);
    await heartbeat.stop();
  });

  it("jitters each beat within ±10% and stops for good on stop()", async () => {
    const start = Date.now();
    const { heartbeat, calls, state } = fixture(1_000, () => 0); // random 0: the bottom of every jitter range
    state.down = false;
    await heartbeat.start();
    await vi.advanceTimersByTimeAsync(900);
    expect(calls.map((c) => c.at - start)).toEqual([0, 900]);
    await heartbeat.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  // Client-side durations run on timers and the monotonic clock, never on the wall clock: stepping `Date` (what NTP
  // or a resumed VM does) neither fires a beat early nor holds one back.
  it.each([3_600_000, -3_600_000])("beats on time when the wall clock steps by %i ms", async (stepMs) => {
    const { heartbeat, calls, state } = fixture(30_000, () => 0.5); // random 0.5: no jitter
    state.down = false;
    await heartbeat.start();
    vi.setSystemTime(Date.now() + stepMs);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await heartbeat.stop();
  });

  it.each([-1, 0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])(
    "refuses an interval of %s with DISCOVERY_INVALID_OPTION",
    (intervalMs) => {
      let caught: unknown;
      try {
        new Heartbeat(async () => {}, { intervalMs });
      } catch (error) {
        caught = error;
      }
      expect(isDiscoveryError(caught) && caught.code).toBe("DISCOVERY_INVALID_OPTION");
      expect((caught as Error).message).toContain("renewIntervalMs");
    },
  );
});
