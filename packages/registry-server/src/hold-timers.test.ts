import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HoldTimers } from "./hold-timers.js";

describe("HoldTimers: every hold end under one timer (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => vi.useRealTimers());

  it("keeps one timer for 1 000 holds of different lengths and fires each at its own end, in order", async () => {
    const timers = new HoldTimers();
    const fired: number[] = [];
    // Lengths out of order, as jittered waits are.
    const lengths = Array.from({ length: 1_000 }, (_, i) => 1_000 + ((i * 7_919) % 1_000));
    for (const ms of lengths) timers.add(ms, () => fired.push(ms));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([1_000]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual([...lengths].sort((a, b) => a - b));
    expect(timers.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("cancels in any order: a cancelled hold never fires, the others keep their ends, the last takes the timer", async () => {
    const timers = new HoldTimers();
    const fired: string[] = [];
    const a = timers.add(100, () => fired.push("a"));
    const b = timers.add(200, () => fired.push("b"));
    const c = timers.add(300, () => fired.push("c"));
    timers.cancel(b);
    timers.cancel(b); // twice is a no-op
    timers.cancel(a);
    await vi.advanceTimersByTimeAsync(299);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(["c"]);
    timers.cancel(c); // already fired
    const d = timers.add(50, () => fired.push("d"));
    timers.cancel(d);
    expect(vi.getTimerCount()).toBe(0);
    timers.add(10, () => fired.push("e"));
    timers.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual(["c"]);
  });

  it("lets a firing hold add another (a woken request that holds again)", async () => {
    const timers = new HoldTimers();
    const fired: string[] = [];
    timers.add(10, () => timers.add(10, () => fired.push("again")));
    await vi.advanceTimersByTimeAsync(20);
    expect(fired).toEqual(["again"]);
  });
});
