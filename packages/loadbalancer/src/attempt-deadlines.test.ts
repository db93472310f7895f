import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue, type Expiring } from "./attempt-deadlines.js";

const entry = (log: string[], name: string): Expiring => ({ slot: -1, expire: () => log.push(name) });

describe("DeadlineQueue (one timer for every request's timeout)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires entries in the order they were added, each `ms` after its own add", () => {
    const queue = new DeadlineQueue(100);
    const log: string[] = [];
    queue.add(entry(log, "a"));
    vi.advanceTimersByTime(40);
    queue.add(entry(log, "b"));
    vi.advanceTimersByTime(59);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(["a"]);
    vi.advanceTimersByTime(39);
    expect(log).toEqual(["a"]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(["a", "b"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never expires a cancelled entry, and holds one timer however many entries wait", () => {
    const queue = new DeadlineQueue(100);
    const log: string[] = [];
    const entries = Array.from({ length: 5_000 }, (_, i) => entry(log, `e${i}`));
    for (const e of entries) queue.add(e);
    expect(vi.getTimerCount()).toBe(1);
    for (const e of entries.slice(0, 4_999)) queue.cancel(e);
    expect(queue.pending).toBe(1);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(["e4999"]);
  });

  it("keeps only what is in flight: settled entries at the head are dropped as new ones arrive", () => {
    const queue = new DeadlineQueue(60_000);
    const log: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const e = entry(log, "x");
      queue.add(e);
      queue.cancel(e);
    }
    const last = entry(log, "last");
    queue.add(last);
    expect(last.slot).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(log).toEqual(["last"]);
  });

  it("close() stops the timer and expires nothing", () => {
    const queue = new DeadlineQueue(10);
    const log: string[] = [];
    queue.add(entry(log, "a"));
    queue.close();
    queue.add(entry(log, "b"));
    vi.advanceTimersByTime(100);
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
