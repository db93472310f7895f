import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";

// The bulkhead's queue (`Waiting`, packages/resilience/src/bulkhead.ts) pushed as a hostile caller would. Field
// cases: connor4312/cockatiel's bulkhead notices a queued caller's abort only when a slot frees (the README's claim
// this bulkhead improves on), and a listener per call on a long-lived signal is nodejs/node#55351's leak's kind.

/** A call that holds its slot until `release()`. */
function holder() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { fn: () => done, release };
}

describe("bulkhead queue against hostile callers", () => {
  it("a signal already aborted: rejected with its reason, the function never runs, no slot or place taken", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
    const reason = new Error("gone");
    let ran = false;
    await expect(bulkhead.execute(() => (ran = true), AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(ran).toBe(false);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 1]);
  });

  it("abort while queued: rejected at once with the reason (no slot freed), never runs, its place comes back", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 2 });
    const hold = holder();
    const running = bulkhead.execute(hold.fn);
    const abort = new AbortController();
    let ran = false;
    const queued = bulkhead.execute(() => (ran = true), abort.signal);
    expect(bulkhead.queueSlots).toBe(1);
    abort.abort(new Error("caller left"));
    await expect(queued).rejects.toThrow("caller left");
    expect(bulkhead.queueSlots).toBe(2);
    hold.release();
    await running;
    expect(ran).toBe(false);
    expect(bulkhead.executionSlots).toBe(1);
  });

  it("an aborted queued call holds no slot: the next caller behind it runs when the slot frees (connor4312/cockatiel#114)", async () => {
    // cockatiel#114: a queued task whose signal aborted was not dequeued, so it later took an execution slot.
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 2 });
    const hold = holder();
    const running = bulkhead.execute(hold.fn);
    const abort = new AbortController();
    const ran: string[] = [];
    const gone = bulkhead.execute(() => ran.push("aborted one"), abort.signal).catch(() => "rejected");
    const next = bulkhead.execute(() => {
      ran.push("next");
      return "next ran";
    });
    abort.abort(new Error("left"));
    await expect(gone).resolves.toBe("rejected");
    hold.release();
    await running;
    await expect(next).resolves.toBe("next ran");
    expect(ran).toEqual(["next"]);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 2]);
  });

  it("queue full: RESILIENCE_BULKHEAD_FULL with a hint, onRejected fires, the queued calls are untouched", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
    let rejected = 0;
    bulkhead.onRejected(() => rejected++);
    const hold = holder();
    const running = bulkhead.execute(hold.fn);
    const queued = bulkhead.execute(() => "second");
    await expect(bulkhead.execute(() => "third")).rejects.toMatchObject({
      code: "RESILIENCE_BULKHEAD_FULL",
      message: expect.stringMatching(/raise maxConcurrent\/maxQueue/),
    });
    expect(rejected).toBe(1);
    hold.release();
    await running;
    await expect(queued).resolves.toBe("second");
  });

  it("1 000 queued callers whose functions all throw (sync or async): each hears its own error, in FIFO order, and every slot comes back", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 2, maxQueue: 1_000 });
    const holds = [holder(), holder()];
    const running = holds.map((h) => bulkhead.execute(h.fn));
    const started: number[] = [];
    const outcomes = Array.from({ length: 1_000 }, (_, i) =>
      bulkhead
        .execute(() => {
          started.push(i);
          if (i % 2) throw new Error(`sync ${i}`);
          return Promise.reject(new Error(`async ${i}`));
        })
        .catch((error: Error) => error.message),
    );
    for (const h of holds) h.release();
    await Promise.all(running);
    const messages = await Promise.all(outcomes);
    expect(messages.every((m, i) => m === `${i % 2 ? "sync" : "async"} ${i}`)).toBe(true);
    expect(started).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([2, 1_000]);
  });

  it("one long-lived signal shared by 100 000 queued-then-run calls: at most one abort listener, none left after", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1_000 });
    const process = new AbortController();
    let most = 0;
    for (let round = 0; round < 100; round++) {
      const hold = holder();
      const running = bulkhead.execute(hold.fn, process.signal);
      const queued = Array.from({ length: 1_000 }, () => bulkhead.execute(() => 1, process.signal));
      most = Math.max(most, getEventListeners(process.signal, "abort").length);
      hold.release();
      await running;
      await Promise.all(queued);
    }
    expect(most).toBe(1);
    expect(getEventListeners(process.signal, "abort").length).toBe(0);
  });

  it("100 000 queued-then-aborted calls (1 000 at a time, each its own signal): memory stays bounded, the queue empties", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1_000 });
    const hold = holder();
    const running = bulkhead.execute(hold.fn);
    const reason = new Error("left");
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void; // a full collection before each reading: live bytes only
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    let before = 0;
    for (let round = 0; round < 100; round++) {
      if (round === 10) before = heap(); // after warm-up
      const controllers = Array.from({ length: 1_000 }, () => new AbortController());
      const queued = controllers.map((c) => bulkhead.execute(() => 1, c.signal).catch(() => 0));
      for (const c of controllers) c.abort(reason);
      await Promise.all(queued);
      expect(bulkhead.queueSlots).toBe(1_000);
    }
    // 90 000 calls after warm-up; a leak of even 100 bytes each would be 9 MB.
    expect(heap() - before).toBeLessThan(8 * 1024 * 1024);
    hold.release();
    await running;
  });
});
