import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { composePolicies } from "./compose.js";
import type { Policy } from "./policy.js";
import { createTimeoutPolicy } from "./timeout.js";
import { VegasLimit } from "./vegas-limit.js";

/**
 * A server with `workers` slots, each call taking `serviceMs`; the rest wait in an unbounded FIFO queue, and work
 * already queued is done even when the caller gave up (as most servers do). Capacity = workers / serviceMs.
 */
function simulatedServer(workers: number, serviceMs: number) {
  const queue: (() => void)[] = [];
  let busy = 0;
  const next = () => {
    const job = queue.shift();
    if (!job) return;
    busy++;
    setTimeout(() => {
      busy--;
      job();
      next();
    }, serviceMs);
  };
  return () =>
    new Promise<void>((resolve) => {
      queue.push(resolve);
      if (busy < workers) next();
    });
}

/** Offers `perMs` calls each ms for `durationMs` through `policy`; counts answers within the client's deadline. */
async function overload(policy: Policy, perMs: number, durationMs: number) {
  const server = simulatedServer(10, 10); // capacity: 1 call/ms
  let goodput = 0;
  let rejected = 0;
  let timedOut = 0;
  const calls: Promise<void>[] = [];
  for (let t = 0; t < durationMs; t++) {
    for (let i = 0; i < perMs; i++) {
      calls.push(
        policy
          .execute(() => server())
          .then(
            () => {
              goodput++;
            },
            (error) => {
              if (error.code === "RESILIENCE_CONCURRENCY_LIMITED") rejected++;
              else timedOut++;
            },
          ),
      );
    }
    await vi.advanceTimersByTimeAsync(1);
  }
  await vi.advanceTimersByTimeAsync(200);
  await Promise.all(calls);
  // Printed so the figures can be quoted; the assertions below are what the test checks.
  console.log(`overload: goodput ${goodput}, rejected ${rejected}, timed out ${timedOut}`);
  return { goodput, rejected, timedOut };
}

describe("adaptive concurrency limit under overload", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const durationMs = 2_000;
  const capacity = durationMs; // 1 call per ms

  it("without a limit, goodput collapses: queued calls outlive the client's deadline", async () => {
    const result = await overload(createTimeoutPolicy({ ms: 100 }), 2, durationMs);
    expect(result.goodput).toBeLessThan(0.2 * capacity);
  });

  it("with Vegas, goodput stays near capacity and the excess is refused at once", async () => {
    const limit = createAdaptiveLimitPolicy();
    const result = await overload(composePolicies(limit, createTimeoutPolicy({ ms: 100 })), 2, durationMs);
    expect(result.goodput).toBeGreaterThan(0.9 * capacity);
    expect(result.rejected).toBeGreaterThan(0.4 * 2 * durationMs);
    expect(result.timedOut).toBeLessThan(0.05 * capacity);
  });
});

describe("VegasLimit", () => {
  it("grows while nothing queues and shrinks when RTT shows a queue", () => {
    const limit = new VegasLimit({ initialLimit: 20 });
    limit.sample(10, 20); // the no-load RTT
    for (let i = 0; i < 10; i++) limit.sample(10, limit.limit);
    const grown = limit.limit;
    expect(grown).toBeGreaterThan(20);
    for (let i = 0; i < 10; i++) limit.sample(40, limit.limit);
    expect(limit.limit).toBeLessThan(grown);
  });

  it("shrinks on a dropped call and holds still when the application sends too little to judge", () => {
    const limit = new VegasLimit({ initialLimit: 40 });
    limit.sample(10, 40);
    for (let i = 0; i < 10; i++) limit.sample(10, 1);
    expect(limit.limit).toBe(40);
    limit.sample(100, 1, true);
    expect(limit.limit).toBeLessThan(40);
  });
});
