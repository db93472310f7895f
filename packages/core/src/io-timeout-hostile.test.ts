import { setTimeout as wait } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue, type Expiring } from "./deadline-queue.js";
import { setIoTimeout } from "./io-timeout.js";

// Core's after-I/O timers (io-timeout.ts, deadline-queue.ts) under load and stalls, as a hostile peer would push them.

/** Blocks this thread for `ms`: every due timer is late when the loop comes back. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

afterEach(() => {
  vi.useRealTimers();
});

describe("setIoTimeout / DeadlineQueue({ expireAfterIo }) under load", () => {
  it("10 000 late setIoTimeouts: each fires exactly once; the half disposed between timer and hop never fires", async () => {
    const fired = new Map<number, number>();
    const timeouts = Array.from({ length: 10_000 }, (_, i) =>
      setIoTimeout(() => fired.set(i, (fired.get(i) ?? 0) + 1), 5),
    );
    // Queued after them with the same delay: runs in the same timers phase, after every one of them hopped.
    const disposed = new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < timeouts.length; i += 2) timeouts[i]?.dispose();
        resolve();
      }, 5),
    );
    stall(30);
    await disposed;
    await wait(30);
    expect(fired.size).toBe(5_000);
    expect([...fired.keys()].every((i) => i % 2 === 1)).toBe(true);
    expect([...fired.values()].every((n) => n === 1)).toBe(true);
  });

  it("a DeadlineQueue with 10 000 late entries: each expires once, those cancelled before the hop never", async () => {
    const queue = new DeadlineQueue(5, undefined, { expireAfterIo: true });
    const expired: number[] = [];
    const items: Expiring[] = Array.from({ length: 10_000 }, (_, i) => ({
      slot: -1,
      expire: () => expired.push(i),
    }));
    for (const item of items) queue.add(item);
    const cancelled = new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < items.length; i += 2) queue.cancel(items[i] as Expiring);
        resolve();
      }, 5),
    );
    stall(30);
    await cancelled;
    await wait(30);
    expect(expired.length).toBe(5_000);
    expect(new Set(expired).size).toBe(5_000);
    expect(expired.every((i) => i % 2 === 1)).toBe(true);
    expect(queue.pending).toBe(0);
    queue.close();
  });

  it("close() between the timer and the hop: no entry expires after close", async () => {
    const queue = new DeadlineQueue(5, undefined, { expireAfterIo: true });
    const expired: number[] = [];
    queue.add({ slot: -1, expire: () => expired.push(1) });
    const closed = new Promise<void>((resolve) =>
      setTimeout(() => {
        queue.close();
        resolve();
      }, 5),
    );
    stall(30);
    await closed;
    await wait(20);
    expect(expired).toEqual([]);
  });

  it("delay 0 and 1 ms fire (after the hop when late), once", async () => {
    const ran: string[] = [];
    setIoTimeout(() => ran.push("0"), 0);
    setIoTimeout(() => ran.push("1"), 1);
    stall(10);
    await wait(10);
    expect(ran.sort()).toEqual(["0", "1"]);
  });

  it("under vi.useFakeTimers() (performance faked or not), advancing the clock fires the timeout, once", () => {
    for (const toFake of [undefined, ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate"]] as const) {
      vi.useFakeTimers(toFake ? { toFake: [...toFake] } : undefined);
      const ran: number[] = [];
      setIoTimeout(() => ran.push(1), 100);
      vi.advanceTimersByTime(99);
      expect(ran).toEqual([]);
      vi.advanceTimersByTime(1_000);
      expect(ran).toEqual([1]);
      vi.useRealTimers();
    }
  });
});
