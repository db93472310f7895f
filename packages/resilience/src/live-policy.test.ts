import { describeCall } from "@outrigger/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CircuitState } from "./circuit-breaker.js";
import { LivePolicy } from "./live-policy.js";
import { RetryBudgets } from "./retry-budget.js";
import { HttpStatusError } from "./retryable.js";

const boom = () => {
  throw new HttpStatusError(503);
};

describe("LivePolicy", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const breaker = { kind: "consecutive", threshold: 2, halfOpenAfterMs: 10_000 } as const;

  it("composes outer → inner: deadline, retry, breaker, bulkhead, per-try timeout", async () => {
    const live = new LivePolicy({
      timeout: { totalMs: 1_000, perTryMs: 100 },
      retry: { maxAttempts: 5, initialDelayMs: 0, maxDelayMs: 0 },
      circuitBreaker: breaker,
      bulkhead: { maxConcurrent: 1 },
    });
    const events: string[] = [];
    live.onRetry(() => events.push("retry"));
    live.onBreak(() => events.push("break"));
    live.onRejected((e) => events.push(`rejected by ${e.policy}`));
    live.onTimeout((e) => events.push(`timeout ${e.scope}`));
    const done = live.execute(() => new Promise(() => undefined), undefined, describeCall({ method: "GET" }));
    const assertion = expect(done).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    await vi.advanceTimersByTimeAsync(300);
    await assertion;
    // Two per-try timeouts open the breaker; the next attempt is refused by it, and that rejection is not retried.
    expect(events).toEqual([
      "timeout attempt",
      "retry",
      "timeout attempt",
      "break",
      "retry",
      "rejected by circuitBreaker",
    ]);
  });

  it("swaps atomically: a call in flight finishes on the pipeline it started with", async () => {
    const live = new LivePolicy({ fallback: { value: "old fallback" } });
    let fail: (e: Error) => void = () => undefined;
    const inFlight = live.execute(() => new Promise((_, reject) => (fail = reject)));
    live.apply({ fallback: { value: "new fallback" } });
    fail(new Error("down"));
    expect(await inFlight).toBe("old fallback");
    expect(await live.execute(boom)).toBe("new fallback");
  });

  it("keeps an unchanged breaker's state across a swap, and starts afresh when its settings change", async () => {
    const live = new LivePolicy({ circuitBreaker: breaker, retry: { maxAttempts: 1 } });
    const applied: unknown[] = [];
    live.onApplied((e) => applied.push(e.kept));
    await live.execute(boom).catch(() => undefined);
    await live.execute(boom).catch(() => undefined);
    expect(live.circuitBreaker?.state).toBe(CircuitState.Open);
    live.apply({ circuitBreaker: { ...breaker }, retry: { maxAttempts: 2 } });
    expect(live.circuitBreaker?.state).toBe(CircuitState.Open);
    await expect(live.execute(() => "ok")).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    live.apply({ circuitBreaker: { ...breaker, threshold: 5 } });
    expect(live.circuitBreaker?.state).toBe(CircuitState.Closed);
    expect(applied).toEqual([["circuitBreaker"], []]);
  });

  it("passes halfOpenTrials to the breaker: two trial calls at once, a third refused", async () => {
    const live = new LivePolicy({ circuitBreaker: { ...breaker, threshold: 1, halfOpenTrials: 2 } });
    await live.execute(boom).catch(() => undefined);
    vi.advanceTimersByTime(10_000);
    const never = () => new Promise(() => undefined);
    void live.execute(never);
    void live.execute(never);
    await expect(live.execute(() => "third")).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    expect(live.circuitBreaker?.state).toBe(CircuitState.HalfOpen);
  });

  it("refuses a bad spec with field and reason, and keeps serving the old one", async () => {
    const live = new LivePolicy({ fallback: { value: "kept" } });
    expect(() => live.apply({ retry: { maxAttempts: -1 } })).toThrow(/retry\.maxAttempts must be ≥ 1/);
    expect(() => live.apply({ retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 10 } })).toThrow(
      expect.objectContaining({ code: "RESILIENCE_INVALID_SPEC" }),
    );
    expect(await live.execute(boom)).toBe("kept");
  });

  it("admits attempts through the spec's rate limit; a limiter whose settings did not change keeps its count", async () => {
    const live = new LivePolicy({ rateLimit: { points: 2, durationMs: 60_000 } }, { service: "geo" });
    const rejected: string[] = [];
    live.onRejected((e) => rejected.push(e.policy));
    await live.execute(() => 1);
    live.apply({ rateLimit: { durationMs: 60_000, points: 2 }, retry: { maxAttempts: 3 } });
    await live.execute(() => 2);
    await expect(live.execute(() => 3, undefined, describeCall({ method: "GET" }))).rejects.toMatchObject({
      code: "RESILIENCE_RATE_LIMITED",
    });
    expect(rejected).toEqual(["rateLimit"]);
  });

  it("rewires a kept hedge's budget when apply() changes the retry section (deposits once, spends nothing when off)", async () => {
    const budgets = new RetryBudgets({ minRetriesPerSec: 0 }); // no reserve: the balance is the deposits alone
    const budget = budgets.for("orders");
    const live = new LivePolicy({ hedge: { delayMs: 5 } }, { service: "orders", budgets });
    const get = describeCall({ method: "GET" });
    const calls = async (n: number) => {
      for (let i = 0; i < n; i++) await live.execute(() => "ok", undefined, get);
    };
    await calls(10); // the hedge alone deposits 0.2 a call
    expect(budget.balance).toBe(2);
    live.apply({ hedge: { delayMs: 5 }, retry: { maxAttempts: 2 } });
    await calls(10); // now the retry deposits; a kept hedge depositing too made this 6
    expect(budget.balance).toBe(4);
    live.apply({ hedge: { delayMs: 5 }, retry: { maxAttempts: 1, budget: false } });
    let hedges = 0;
    live.onHedge(() => hedges++);
    const slow = live.execute(
      () => new Promise<string>((resolve) => setTimeout(() => resolve("ok"), 20)),
      undefined,
      get,
    );
    await vi.advanceTimersByTimeAsync(20);
    await slow;
    // The hedge went out and, with the budget off, took nothing from it (a kept hedge withdrew one).
    expect([hedges, budget.balance]).toEqual([1, 4]);
  });
});
