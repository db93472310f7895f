import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { monotonicClock } from "./clock.js";
import { DeadlineQueue, type Expiring } from "./deadline-queue.js";
import { socketPair, stall } from "./test-support.js";

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

  it("an entry whose expire() throws strands none after it: all due ones expire, later ones still get a timer", () => {
    const { queue, log } = fresh(100);
    const throwing: Expiring = {
      slot: -1,
      expire: () => {
        log.push("a");
        throw new Error("a's handler threw");
      },
    };
    queue.add(throwing);
    queue.add(entry(log, "b"));
    vi.advanceTimersByTime(50);
    queue.add(entry(log, "c"));
    // The first error surfaces as the timer's own (vitest's fake timers rethrow it here), after the queue is sound.
    expect(() => vi.advanceTimersByTime(50)).toThrow("a's handler threw");
    expect(log).toEqual(["a", "b"]);
    expect(queue.pending).toBe(1);
    vi.advanceTimersByTime(50);
    expect(log).toEqual(["a", "b", "c"]);
    expect(queue.pending).toBe(0);
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

  it("with expireAfterIo, a timer on time expires at once (only a late one waits for the turn's I/O)", () => {
    const queue = new DeadlineQueue(100, monotonicClock, { expireAfterIo: true });
    const log: string[] = [];
    queue.add(entry(log, "a"));
    vi.advanceTimersByTime(100);
    expect(log).toEqual(["a"]);
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

describe("DeadlineQueue with expireAfterIo (groupon/gofer#71 'Fire IO timeouts after IO', sindresorhus/got#525)", () => {
  // The answer arrives while the loop is stalled past the entry's due time; after the stall Node runs the due timer
  // before it reads the socket. The entry the answer settles must not expire first.
  it.each([
    { afterIo: true, expired: [] },
    { afterIo: false, expired: ["late"] },
  ])(
    "expireAfterIo $afterIo: an answer received during a stall settles its entry before the timer (expired: $expired)",
    async ({ afterIo, expired }) => {
      const pair = await socketPair();
      try {
        const queue = new DeadlineQueue(20, monotonicClock, { expireAfterIo: afterIo });
        const log: string[] = [];
        const item: Expiring = { slot: -1, expire: () => log.push("late") };
        queue.add(item);
        const answered = once(pair.client, "data").then(() => queue.cancel(item));
        pair.server.write("answer");
        stall(500);
        await answered;
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(log).toEqual(expired);
      } finally {
        pair.close();
      }
    },
  );

  it("still expires an entry nobody settles, once, after the turn's I/O", async () => {
    const queue = new DeadlineQueue(10, monotonicClock, { expireAfterIo: true });
    const late: number[] = [];
    queue.add({ slot: -1, expire: (lateMs) => late.push(lateMs) });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(late).toHaveLength(1);
    expect(late[0]).toBeGreaterThanOrEqual(0);
    expect(queue.pending).toBe(0);
  });

  it("close() drops an expiry already waiting for the check phase", async () => {
    const queue = new DeadlineQueue(5, monotonicClock, { expireAfterIo: true });
    const log: string[] = [];
    queue.add({ slot: -1, expire: () => log.push("expired") });
    // The timer fires and schedules its expiry for the check phase; close() comes in between — made at the moment
    // the expiry is scheduled, not by a second timer hoped to run in the same timers phase (it did not, under load).
    const original = globalThis.setImmediate;
    const waiting = new Promise<void>((resolve) => {
      vi.spyOn(globalThis, "setImmediate").mockImplementation(((fn: () => void) => {
        const handle = original(fn);
        queue.close();
        resolve();
        return handle;
      }) as typeof setImmediate);
    });
    await waiting;
    vi.restoreAllMocks();
    await new Promise((resolve) => original(resolve));
    expect(log).toEqual([]);
  });
});
