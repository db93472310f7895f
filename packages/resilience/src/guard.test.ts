import { CircuitState } from "cockatiel";
import { describe, expect, it } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { HttpStatusError } from "./retryable.js";
import { createTimeoutPolicy } from "./timeout.js";

// A breaker and a bulkhead side by side in a composition run as guards with one settle step (guard.ts): the same
// admissions, refusals, records and slots as when each wrapped the next in its own promise.
const fail = () => Promise.reject(new HttpStatusError(503));
const ok = () => Promise.resolve("ok");

function parts(maxConcurrent = 2, maxQueue = 0) {
  const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 3 }, halfOpenAfterMs: 60_000 });
  const bulkhead = createBulkheadPolicy({ maxConcurrent, maxQueue });
  return { breaker, bulkhead, policy: composePolicies(breaker, bulkhead, createTimeoutPolicy({ ms: 5_000 })) };
}

describe("a breaker and a bulkhead composed side by side", () => {
  it("record every outcome and give every slot back; the breaker opens on the third failure in a row", async () => {
    const { breaker, bulkhead, policy } = parts();
    await expect(policy.execute(fail)).rejects.toMatchObject({ status: 503 });
    await expect(policy.execute(fail)).rejects.toMatchObject({ status: 503 });
    await expect(policy.execute(ok)).resolves.toBe("ok"); // a success resets the consecutive count
    await expect(policy.execute(fail)).rejects.toMatchObject({ status: 503 });
    await expect(policy.execute(fail)).rejects.toMatchObject({ status: 503 });
    expect(breaker.state).toBe(CircuitState.Closed);
    await expect(policy.execute(fail)).rejects.toMatchObject({ status: 503 });
    expect(breaker.state).toBe(CircuitState.Open);
    expect(bulkhead.executionSlots).toBe(2);
    // Refused by the breaker: no bulkhead slot taken, the call's function never runs.
    let ran = false;
    const refused = policy.execute(() => {
      ran = true;
      return ok();
    });
    expect(bulkhead.executionSlots).toBe(2);
    await expect(refused).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    expect(ran).toBe(false);
  });

  it("a call that waits in the bulkhead's queue is still recorded by the breaker", async () => {
    const { breaker, bulkhead, policy } = parts(1, 3);
    let open: () => void = () => undefined;
    const first = policy.execute(() => new Promise<string>((resolve) => (open = () => resolve("first"))));
    const queued = [policy.execute(fail), policy.execute(fail), policy.execute(fail)];
    expect(bulkhead.queueSlots).toBe(0);
    open();
    await expect(first).resolves.toBe("first");
    for (const call of queued) await expect(call).rejects.toMatchObject({ status: 503 });
    expect(breaker.state).toBe(CircuitState.Open);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 3]);
  });

  it("an aborted caller is rejected with its reason, takes no slot and counts as no failure", async () => {
    const { breaker, bulkhead, policy } = parts();
    const controller = new AbortController();
    controller.abort(); // an AbortError: no verdict on the dependency
    for (let i = 0; i < 5; i++) {
      await expect(policy.execute(ok, controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    }
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(bulkhead.executionSlots).toBe(2);
  });

  it("a function that throws synchronously fails the call and frees its slot", async () => {
    const { bulkhead, policy } = parts();
    await expect(
      policy.execute(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(bulkhead.executionSlots).toBe(2);
  });
});
