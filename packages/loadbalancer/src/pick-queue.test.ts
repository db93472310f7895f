// Requests queued for a free slot (every instance at its in-flight cap) all wait on one long-lived caller signal:
// they share one abort listener on it (core's followAbort), none is left when they finish, and an abort rejects
// every one of them at once. Before, each waiter added its own listener: 1 000 waiters, 1 000 listeners.
import { getEventListeners } from "node:events";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import type { Pick } from "./pick.js";
import { instance } from "./test-support.js";

const WAITERS = 1_000;

function busyBalancer() {
  return createBalancer({
    instancer: new FixedInstancer([instance("a")]),
    maxInFlightPerInstance: 1,
    maxQueued: WAITERS,
    outlierDetection: false,
  });
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe("PickQueue on one caller signal", () => {
  it(`${WAITERS} waiters hold at most one listener on the signal while they wait, none after they got their slots`, async () => {
    const balancer = busyBalancer();
    const caller = new AbortController();
    const held = balancer.pick();
    const waiting = Array.from({ length: WAITERS }, () => balancer.acquire({}, caller.signal));
    expect(abortListeners(caller.signal)).toBeLessThanOrEqual(1);

    // Each finished request frees the one slot for the next waiter, in arrival order.
    held.done({ kind: "success", rttMs: 1 });
    let served = 0;
    for (const next of waiting) {
      const pick: Pick = await next;
      expect(abortListeners(caller.signal)).toBeLessThanOrEqual(1);
      pick.done({ kind: "success", rttMs: 1 });
      served++;
    }
    expect(served).toBe(WAITERS);
    expect(abortListeners(caller.signal)).toBe(0);
    balancer.close();
  });

  it("an abort rejects every waiter at once with the signal's reason and leaves no listener", async () => {
    const balancer = busyBalancer();
    const caller = new AbortController();
    balancer.pick();
    const settled: unknown[] = [];
    const waiting = Array.from({ length: WAITERS }, () =>
      balancer.acquire({}, caller.signal).then(
        () => settled.push("picked"),
        (error: unknown) => settled.push(error),
      ),
    );
    expect(abortListeners(caller.signal)).toBeLessThanOrEqual(1);

    const reason = new Error("caller gave up");
    caller.abort(reason);
    expect(abortListeners(caller.signal)).toBe(0);
    // Rejected synchronously by the abort: their handlers run in the very next microtask turn, with no timer between.
    await Promise.resolve();
    expect(settled).toHaveLength(WAITERS);
    expect(settled.every((s) => s === reason)).toBe(true);
    await Promise.all(waiting);
    balancer.close();
  });

  it("a waiter that times out takes its listener with it", async () => {
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("a")]),
      maxInFlightPerInstance: 1,
      queueTimeoutMs: 1,
      outlierDetection: false,
    });
    const caller = new AbortController();
    balancer.pick();
    await expect(balancer.acquire({}, caller.signal)).rejects.toMatchObject({ code: "LB_QUEUE_TIMEOUT" });
    expect(abortListeners(caller.signal)).toBe(0);
    balancer.close();
  });
});
