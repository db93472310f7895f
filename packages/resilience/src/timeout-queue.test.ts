import { afterEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue } from "./timeout-queue.js";

describe("DeadlineQueue", () => {
  afterEach(() => vi.useRealTimers());

  it("expires each deadline ms after it was added, in order, and never a cancelled one", async () => {
    vi.useFakeTimers();
    const queue = new DeadlineQueue(100);
    const expired: string[] = [];
    queue.add(() => expired.push("a"));
    vi.advanceTimersByTime(30);
    const b = queue.add(() => expired.push("b"));
    vi.advanceTimersByTime(30);
    queue.add(() => expired.push("c"));
    b.cancel();
    vi.advanceTimersByTime(39);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(60);
    expect(expired).toEqual(["a", "c"]);
  });

  it("holds only pending deadlines when most calls settle early (swept in bulk)", () => {
    vi.useFakeTimers();
    const queue = new DeadlineQueue(60_000);
    for (let i = 0; i < 100_000; i++) queue.add(() => undefined).cancel();
    expect(queue.size).toBeLessThanOrEqual(1_024);
    let fired = 0;
    queue.add(() => fired++);
    vi.advanceTimersByTime(60_000);
    expect(fired).toBe(1);
  });
});
