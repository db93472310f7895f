import { CircuitState, circuitBreaker, handleAll, SamplingBreaker } from "cockatiel";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { HttpStatusError } from "./retryable.js";

const boom = () => {
  throw new HttpStatusError(503);
};
const ok = () => "ok";

function deferred() {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function run(breaker: { execute: (fn: () => unknown) => Promise<unknown> }, fn: () => unknown, times = 1) {
  const results: unknown[] = [];
  for (let i = 0; i < times; i++) results.push(await breaker.execute(fn).catch((e) => e));
  return results;
}

describe("createCircuitBreaker", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("consecutive: opens after N failures in a row, rejects with RESILIENCE_CIRCUIT_OPEN, half-opens, resets", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 3 }, halfOpenAfterMs: 1_000 });
    const events: string[] = [];
    breaker.onBreak(() => events.push("break"));
    breaker.onHalfOpen(() => events.push("half-open"));
    breaker.onReset(() => events.push("reset"));
    breaker.onRejected(() => events.push("rejected"));
    await run(breaker, boom, 2);
    await run(breaker, ok);
    await run(breaker, boom, 2);
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, boom);
    expect(breaker.state).toBe(CircuitState.Open);
    const [rejection] = await run(breaker, ok);
    expect(rejection).toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    vi.advanceTimersByTime(1_000);
    expect(await run(breaker, ok)).toEqual(["ok"]);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(events).toEqual(["break", "rejected", "half-open", "reset"]);
  });

  it("half-open: a failing trial call opens the circuit again", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 500 });
    await run(breaker, boom);
    vi.advanceTimersByTime(500);
    await run(breaker, boom);
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("count window: no verdict before minimumCalls, then opens on the failure ratio", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "count", size: 10, failureRatio: 0.5, minimumCalls: 4 },
      halfOpenAfterMs: 1_000,
    });
    await run(breaker, boom, 3);
    expect(breaker.state).toBe(CircuitState.Closed);
    await run(breaker, ok, 3);
    expect(breaker.state).toBe(CircuitState.Closed); // 3 of 6 failed = 0.5, judged at the next failure
    await run(breaker, boom);
    expect(breaker.state).toBe(CircuitState.Open); // 4 of 7
  });

  it("count window: opens on the slow-call ratio even when every call succeeds", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "count", size: 4, failureRatio: 1, minimumCalls: 4, slowCallMs: 100, slowCallRatio: 0.5 },
      halfOpenAfterMs: 1_000,
    });
    const slow = () => new Promise((resolve) => setTimeout(() => resolve("late"), 150));
    const calls = [breaker.execute(ok), breaker.execute(ok)];
    await Promise.all(calls);
    const late = [breaker.execute(slow)];
    await vi.advanceTimersByTimeAsync(150);
    expect(await late[0]).toBe("late");
    expect(breaker.state).toBe(CircuitState.Closed);
    const later = breaker.execute(slow);
    await vi.advanceTimersByTimeAsync(150);
    expect(await later).toBe("late"); // the slow caller still gets its answer
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("half-open judges slow trials by the slow-call ratio and failures by the failure ratio, apart (resilience4j)", async () => {
    // resilience4j CircuitBreakerMetrics.checkIfThresholdsExceeded: failure rate and slow-call rate, each against its
    // own threshold, over the permitted half-open calls. Slow successes were counted as failures: 3 slow of 5 trials
    // reached ceil(0.5 × 5) failures and reopened a circuit whose slow-call rate (60%) was under its 80%.
    const breaker = createCircuitBreaker({
      mode: { kind: "count", size: 4, failureRatio: 0.5, minimumCalls: 4, slowCallMs: 100, slowCallRatio: 0.8 },
      halfOpenAfterMs: 1_000,
      halfOpenTrials: 5,
    });
    const slow = () => new Promise((resolve) => setTimeout(() => resolve("late"), 150));
    const trials = async (slowOnes: number) => {
      await run(breaker, boom, 4);
      expect(breaker.state).toBe(CircuitState.Open);
      vi.advanceTimersByTime(1_000);
      const running = Array.from({ length: 5 }, (_, i) => breaker.execute(i < slowOnes ? slow : ok));
      await vi.advanceTimersByTimeAsync(150);
      await Promise.all(running);
      return breaker.state;
    };
    expect(await trials(3)).toBe(CircuitState.Closed); // 60% slow < 80%, 0% failed
    expect(await trials(4)).toBe(CircuitState.Open); // 80% slow ≥ 80%
  });

  it("does not count 4xx answers or other policies' rejections as failures", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 1_000 });
    await run(breaker, () => {
      throw new HttpStatusError(404);
    });
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("half-open admits halfOpenTrials calls at once, refuses the rest at once, and closes when all succeed", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: 1_000,
      halfOpenTrials: 3,
    });
    const events: string[] = [];
    breaker.onHalfOpen(() => events.push("half-open"));
    breaker.onReset(() => events.push("reset"));
    breaker.onRejected(() => events.push("rejected"));
    await run(breaker, boom);
    vi.advanceTimersByTime(1_000);
    const trials = [deferred(), deferred(), deferred()];
    const running = trials.map((t) => breaker.execute(() => t.promise));
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    // A fourth caller is not queued behind the trials (cockatiel's own policy would make it wait).
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    trials[0]?.resolve("a");
    trials[1]?.resolve("b");
    await Promise.all(running.slice(0, 2));
    expect(breaker.state).toBe(CircuitState.HalfOpen); // two of three trials are not a verdict
    trials[2]?.resolve("c");
    expect(await Promise.all(running)).toEqual(["a", "b", "c"]);
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(events).toEqual(["half-open", "rejected", "reset"]);
  });

  it("consecutive mode: one failed trial opens the circuit again, and late trials do not close it", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: 1_000,
      halfOpenTrials: 2,
    });
    await run(breaker, boom);
    vi.advanceTimersByTime(1_000);
    const late = deferred();
    const slowTrial = breaker.execute(() => late.promise);
    await run(breaker, boom);
    expect(breaker.state).toBe(CircuitState.Open);
    vi.advanceTimersByTime(999);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    vi.advanceTimersByTime(1);
    // The next half-open period: one trial runs when the earlier period's slow trial finally succeeds.
    const next = deferred();
    const nextTrial = breaker.execute(() => next.promise);
    late.resolve("fine");
    expect(await slowTrial).toBe("fine");
    next.resolve("ok");
    await nextTrial;
    expect(breaker.state).toBe(CircuitState.HalfOpen); // the late trial had no vote: one of two trials is no verdict
    expect(await run(breaker, ok)).toEqual(["ok"]);
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("count mode: the trials' failure ratio decides between closing and opening", async () => {
    const open = async (trialOutcomes: (() => unknown)[]) => {
      const breaker = createCircuitBreaker({
        mode: { kind: "count", size: 4, failureRatio: 0.5, minimumCalls: 1 },
        halfOpenAfterMs: 1_000,
        halfOpenTrials: 4,
      });
      await run(breaker, boom);
      expect(breaker.state).toBe(CircuitState.Open);
      vi.advanceTimersByTime(1_000);
      await Promise.all(trialOutcomes.map((fn) => breaker.execute(fn).catch(() => undefined)));
      return breaker.state;
    };
    expect(await open([boom, ok, ok, ok])).toBe(CircuitState.Closed); // 1 of 4 < 50%
    expect(await open([boom, boom, ok, ok])).toBe(CircuitState.Open); // 2 of 4 = 50%
  });

  it("a trial the caller cancels is no verdict: its slot goes to the next caller", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 1_000 });
    await run(breaker, boom);
    vi.advanceTimersByTime(1_000);
    const aborted = Object.assign(new Error("caller went away"), { name: "AbortError" });
    await expect(
      breaker.execute(() => {
        throw aborted;
      }),
    ).rejects.toBe(aborted);
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    expect(await run(breaker, ok)).toEqual(["ok"]);
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("rejects halfOpenTrials below 1 with a typed error naming the field", () => {
    expect(() =>
      createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 1, halfOpenTrials: 0 }),
    ).toThrow(/halfOpenTrials/);
  });

  it("rejects an unknown mode with a typed error naming the field", () => {
    expect(() => createCircuitBreaker({ mode: { kind: "nope" } as never, halfOpenAfterMs: 1 })).toThrow(/mode\.kind/);
  });
});

describe("sampling breaker staleness (cockatiel 3.2.1)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  // Threshold 30% over 5 s with at least 4 calls/s (20 per window) before any verdict.
  const settings = { threshold: 0.3, duration: 5_000, minimumRps: 4 };

  /**
   * Fills the 5 s window with 25% failures (below the threshold), idles an hour, then sends 8 failures: too few
   * calls for a verdict in a fresh window, but with the stale 80 calls cockatiel sees 28 of 88 = 32%.
   */
  async function scenario(execute: (fn: () => unknown) => Promise<unknown>, state: () => CircuitState) {
    for (let second = 0; second < 5; second++) {
      for (let i = 0; i < 20; i++) await execute(i >= 15 ? boom : ok).catch(() => undefined);
      vi.advanceTimersByTime(1_000);
    }
    expect(state()).toBe(CircuitState.Closed);
    vi.advanceTimersByTime(3_600_000);
    for (let i = 0; i < 8; i++) await execute(boom).catch(() => undefined);
    return state();
  }

  it("reproduces the bug: cockatiel's own SamplingBreaker opens on counts from an hour ago", async () => {
    const policy = circuitBreaker(handleAll, {
      halfOpenAfter: 1_000,
      breaker: new SamplingBreaker(settings),
    });
    expect(
      await scenario(
        (fn) => policy.execute(fn),
        () => policy.state,
      ),
    ).toBe(CircuitState.Open);
  });

  it("our sampling mode judges only the fresh window and stays closed", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "sampling", durationMs: 5_000, failureRatio: 0.3, minimumRps: 4 },
      halfOpenAfterMs: 1_000,
    });
    expect(
      await scenario(
        (fn) => breaker.execute(fn),
        () => breaker.state,
      ),
    ).toBe(CircuitState.Closed);
  });

  it("our sampling mode still opens on a fresh burst of failures", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "sampling", durationMs: 5_000, failureRatio: 0.3, minimumRps: 4 },
      halfOpenAfterMs: 1_000,
    });
    for (let i = 0; i < 20; i++) await breaker.execute(boom).catch(() => undefined);
    expect(breaker.state).toBe(CircuitState.Open);
  });
});
