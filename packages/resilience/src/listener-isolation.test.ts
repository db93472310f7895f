// A listener that throws is reported (a process warning, OUTRIGGER_LISTENER_FAILED) and changes nothing: the
// breaker still opens and the caller still sees the dependency's error; the budget still refuses. cockatiel's
// EventEmitter, which these events used before, lets the listener's error escape into the call.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { CircuitState, createCircuitBreaker } from "./circuit-breaker.js";
import { RetryBudget } from "./retry-budget.js";

afterEach(() => vi.restoreAllMocks());

function quietWarnings() {
  return vi.spyOn(process, "emitWarning").mockImplementation(() => {});
}

describe("event listeners are isolated", () => {
  it("a throwing onBreak listener neither replaces the dependency's error nor keeps the circuit closed", async () => {
    const warnings = quietWarnings();
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 1_000 });
    breaker.onBreak(() => {
      throw new Error("listener bug");
    });
    await expect(breaker.execute(() => Promise.reject(new Error("dependency down")))).rejects.toThrow(
      "dependency down",
    );
    expect(breaker.state).toBe(CircuitState.Open);
    expect(warnings).toHaveBeenCalledOnce();
  });

  it("a throwing onBudgetExhausted listener still gets a plain false from tryWithdraw", () => {
    quietWarnings();
    const budget = new RetryBudget({ minRetriesPerSec: 0 });
    budget.onBudgetExhausted(() => {
      throw new Error("listener bug");
    });
    expect(budget.tryWithdraw()).toBe(false);
  });

  it("a throwing onRejected listener still rejects with RESILIENCE_CONCURRENCY_LIMITED", async () => {
    quietWarnings();
    const limit = createAdaptiveLimitPolicy({ initialLimit: 1 });
    limit.onRejected(() => {
      throw new Error("listener bug");
    });
    let release = () => {};
    const first = limit.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(limit.execute(async () => "second")).rejects.toMatchObject({ code: "RESILIENCE_CONCURRENCY_LIMITED" });
    release();
    await first;
  });
});
