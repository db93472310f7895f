// Time in the resilience package is monotonic: a wall clock stepped back or forward by an hour (NTP after a VM
// resume, an operator) changes no breaker, window, budget or latency sample. Each policy runs with its default
// clock; `vi.useFakeTimers()` fakes both `Date` and `performance`, and `vi.setSystemTime` steps only the wall
// clock, as a real clock step does. The rule: `@outrigger/core`'s Clock (the monotonic clock is
// `performance.now()`, as cockatiel's own `src/common/Executor.ts` measures durations; its
// `src/breaker/SamplingBreaker.ts` reads `Date.now()` in `push`, which the sampling test below catches).
// Field reports replayed: fabfuel/circuitbreaker#31 (a clock set far ahead, then reset, keeps the circuit open far
// longer than the recovery timeout) and exaring/hoglet#25 (a wall-clock jump pins a circuit open past its
// half-open delay, or skips the open period entirely): the first test, in both directions.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { CircuitState, createCircuitBreaker } from "./circuit-breaker.js";
import { isResilienceError } from "./errors.js";
import { RetryBudget } from "./retry-budget.js";

const HOUR = 3_600_000;
const fail = () => Promise.reject(new Error("boom"));
const ok = () => Promise.resolve("ok");
const step = (ms: number) => vi.setSystemTime(Date.now() + ms);

beforeEach(() => vi.useFakeTimers({ now: new Date("2026-11-29T12:00:00Z") }));
afterEach(() => vi.useRealTimers());

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    return isResilienceError(error) ? error.code : "failed";
  }
}

describe.each([HOUR, -HOUR])("a wall clock stepped by %i ms", (stepMs) => {
  it("leaves an open circuit open, and half-opens it after halfOpenAfterMs of real time", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 2 }, halfOpenAfterMs: 5_000 });
    await outcome(() => breaker.execute(fail));
    await outcome(() => breaker.execute(fail));
    expect(breaker.state).toBe(CircuitState.Open);
    step(stepMs);
    expect(await outcome(() => breaker.execute(ok))).toBe("RESILIENCE_CIRCUIT_OPEN");
    vi.advanceTimersByTime(5_000);
    expect(await outcome(() => breaker.execute(ok))).toBe("ok");
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("keeps a sampling window's counts: a burst of failures across the step still opens the circuit", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "sampling", durationMs: 10_000, failureRatio: 0.5, minimumRps: 1 },
      halfOpenAfterMs: 5_000,
    });
    for (let i = 0; i < 6; i++) await outcome(() => breaker.execute(fail));
    step(stepMs);
    for (let i = 0; i < 6; i++) await outcome(() => breaker.execute(fail));
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("keeps a retry budget's deposits for their ttl, and lets them expire after it", () => {
    const budget = new RetryBudget({ percentCanRetry: 0.5, minRetriesPerSec: 0, ttlMs: 10_000 });
    for (let i = 0; i < 4; i++) budget.deposit();
    expect(budget.balance).toBe(2);
    step(stepMs);
    expect(budget.balance).toBe(2);
    expect(budget.tryWithdraw()).toBe(true);
    vi.advanceTimersByTime(11_000);
    expect(budget.balance).toBe(0);
  });

  it("feeds the adaptive limit the call's real RTT, not the step", async () => {
    const limit = createAdaptiveLimitPolicy({ initialLimit: 4 });
    const rtt = (ms: number, wallStep = 0) =>
      limit.execute(async () => {
        vi.advanceTimersByTime(ms);
        if (wallStep) step(wallStep);
      });
    await rtt(10); // the no-load RTT
    const calls = Array.from({ length: 2 }, () => rtt(10, stepMs));
    await Promise.all(calls);
    // Two calls in flight of a limit of 4, each as fast as the no-load RTT: nothing queued, so Vegas' slow start
    // grows the limit by 6·log10(limit) (at least 6). An hour-long "RTT" would read as a full queue instead.
    expect(limit.limit).toBe(10);
  });
});
