import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue, type Expiring } from "./deadline-queue.js";

const fresh = (ms: number) => ({ queue: new DeadlineQueue(ms), log: [] as string[] });
const entry = (log: string[], name: string): Expiring => ({ slot: -1, expire: () => log.push(name) });

describe("DeadlineQueue (one timer for every request's timeout)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires entries in the order they were added, each `ms` after its own add", () => {
    const { queue, log } = fresh(100);
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
    const { queue, log } = fresh(100);
    const entries = Array.from({ length: 5_000 }, (_, i) => entry(log, `e${i}`));
    for (const e of entries) queue.add(e);
    expect(vi.getTimerCount()).toBe(1);
    for (const e of entries.slice(0, 4_999)) queue.cancel(e);
    expect(queue.pending).toBe(1);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(["e4999"]);
  });

  it("keeps only what is in flight: settled entries at the head are dropped as new ones arrive", () => {
    const { queue, log } = fresh(60_000);
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
    const { queue, log } = fresh(10);
    queue.add(entry(log, "a"));
    queue.close();
    queue.add(entry(log, "b"));
    vi.advanceTimersByTime(100);
    expect(log).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("tells each entry how late its timer ran (a blocked event loop shows as lateness)", () => {
    let t = 0;
    const queue = new DeadlineQueue(100, { now: () => t });
    const late: number[] = [];
    queue.add({ slot: -1, expire: (lateMs) => late.push(lateMs) });
    t = 350; // the loop was busy: the timer runs 250 ms after the entry fell due
    vi.advanceTimersByTime(100);
    expect(late).toEqual([250]);
  });
});
