import { describe, expect, it } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { isRejection } from "./errors.js";
import { createFallbackPolicy } from "./fallback.js";

describe("createBulkheadPolicy", () => {
  it("runs maxConcurrent calls, queues maxQueue more, rejects the rest with RESILIENCE_BULKHEAD_FULL", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 2, maxQueue: 1 });
    let rejected = 0;
    bulkhead.onRejected(() => rejected++);
    const gates: (() => void)[] = [];
    const held = () => new Promise<string>((resolve) => gates.push(() => resolve("done")));
    const running = [bulkhead.execute(held), bulkhead.execute(held), bulkhead.execute(held)];
    await expect(bulkhead.execute(held)).rejects.toMatchObject({ code: "RESILIENCE_BULKHEAD_FULL" });
    expect(rejected).toBe(1);
    expect(gates).toHaveLength(2); // the third waits in the queue
    for (const open of gates.splice(0)) open();
    await new Promise((r) => setImmediate(r));
    expect(gates).toHaveLength(1);
    gates[0]?.();
    expect(await Promise.all(running)).toEqual(["done", "done", "done"]);
  });

  it("starts queued calls in arrival order; one whose caller aborts leaves the queue, the others keep their turn", async () => {
    // The queue is an array with a head index (wait-queue.ts), no longer `shift`: order and removal must not change.
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 5 });
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const call = (n: number) => () =>
      new Promise<number>((resolve) => {
        started.push(n);
        gates.push(() => resolve(n));
      });
    const controller = new AbortController();
    const first = bulkhead.execute(call(0));
    const queued = [1, 2, 3, 4, 5].map((n) => bulkhead.execute(call(n), n === 3 ? controller.signal : undefined));
    controller.abort(new Error("caller gave up"));
    await expect(queued[2]).rejects.toThrow("caller gave up");
    expect(bulkhead.queueSlots).toBe(1);
    for (let i = 0; i < 5; i++) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(started).toEqual([0, 1, 2, 4, 5]);
    expect(await Promise.all([first, queued[0], queued[1], queued[3], queued[4]])).toEqual([0, 1, 2, 4, 5]);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 5]);
  });

  it("its rejection is a rejection (never retried)", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1 });
    const hold = bulkhead.execute(() => new Promise((r) => setTimeout(r, 1)));
    const error = await bulkhead.execute(() => 1).catch((e) => e);
    expect(isRejection(error)).toBe(true);
    await hold;
  });
});

describe("createFallbackPolicy", () => {
  it("answers with the fallback for matching failures and reports them", async () => {
    const fallback = createFallbackPolicy({ value: (error: unknown) => `cached (${(error as Error).message})` });
    const seen: unknown[] = [];
    fallback.onFallback((e) => seen.push(e.error));
    expect(
      await fallback.execute(() => {
        throw new Error("down");
      }),
    ).toBe("cached (down)");
    expect(seen).toHaveLength(1);
    expect(await fallback.execute(() => "live")).toBe("live");
  });

  it("lets other failures through", async () => {
    const fallback = createFallbackPolicy({ value: "x", when: (e) => (e as Error).message === "down" });
    await expect(
      fallback.execute(() => {
        throw new Error("bad input");
      }),
    ).rejects.toThrow("bad input");
  });
});
