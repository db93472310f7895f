import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
});
