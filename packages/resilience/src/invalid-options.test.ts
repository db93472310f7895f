// Negative or non-finite options of the time-based parts are refused when the part is built, with
// RESILIENCE_INVALID_OPTION and a message naming the option and the value (core's checkNumber), instead of a
// breaker that never half-opens (NaN), a budget that never expires (Infinity) or a window that runs backwards.
import { describe, expect, it } from "vitest";
import { createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { isResilienceError } from "./errors.js";
import { FreshSamplingBreaker } from "./fresh-sampling-breaker.js";
import { LatencyTracker } from "./latency-tracker.js";
import { RetryBudget } from "./retry-budget.js";

const sampling = { kind: "sampling", durationMs: 10_000, failureRatio: 0.5 } as const;
const cases: [string, string, () => unknown][] = [
  [
    "halfOpenAfterMs",
    "-1",
    () => createCircuitBreaker({ mode: { kind: "consecutive", threshold: 3 }, halfOpenAfterMs: -1 }),
  ],
  [
    "halfOpenAfterMs",
    "NaN",
    () => createCircuitBreaker({ mode: { kind: "consecutive", threshold: 3 }, halfOpenAfterMs: Number.NaN }),
  ],
  [
    "mode.durationMs",
    "Infinity",
    () => createCircuitBreaker({ mode: { ...sampling, durationMs: Number.POSITIVE_INFINITY }, halfOpenAfterMs: 1 }),
  ],
  ["mode.minimumRps", "-5", () => createCircuitBreaker({ mode: { ...sampling, minimumRps: -5 }, halfOpenAfterMs: 1 })],
  [
    "mode.minimumRps",
    "NaN",
    () => createCircuitBreaker({ mode: { ...sampling, minimumRps: Number.NaN }, halfOpenAfterMs: 1 }),
  ],
  ["durationMs", "-10", () => new FreshSamplingBreaker({ failureRatio: 0.5, durationMs: -10 })],
  ["failureRatio", "NaN", () => new FreshSamplingBreaker({ failureRatio: Number.NaN, durationMs: 1_000 })],
  [
    "mode.slowCallMs",
    "-1",
    () =>
      createCircuitBreaker({
        mode: { kind: "count", size: 10, failureRatio: 0.5, minimumCalls: 5, slowCallMs: -1 },
        halfOpenAfterMs: 1,
      }),
  ],
  ["ttlMs", "Infinity", () => new RetryBudget({ ttlMs: Number.POSITIVE_INFINITY })],
  ["minRetriesPerSec", "-1", () => new RetryBudget({ minRetriesPerSec: -1 })],
  ["percentCanRetry", "NaN", () => new RetryBudget({ percentCanRetry: Number.NaN })],
  ["initialLimit", "Infinity", () => createAdaptiveLimitPolicy({ initialLimit: Number.POSITIVE_INFINITY })],
  ["smoothing", "-0.5", () => createAdaptiveLimitPolicy({ smoothing: -0.5 })],
  ["quantile", "NaN", () => new LatencyTracker({ quantile: Number.NaN })],
  ["size", "-3", () => new LatencyTracker({ size: -3 })],
];

describe("time-based parts refuse negative and non-finite options", () => {
  it.each(cases)("%s = %s → RESILIENCE_INVALID_OPTION naming it", (name, value, build) => {
    let caught: unknown;
    try {
      build();
    } catch (error) {
      caught = error;
    }
    expect(isResilienceError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe("RESILIENCE_INVALID_OPTION");
    expect((caught as Error).message).toContain(`${name} must be`);
    expect((caught as Error).message).toContain(value);
  });
});
