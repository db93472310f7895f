import { describe, expect, it } from "vitest";
import { specIssues, validateSpec } from "./spec.js";

describe("validateSpec", () => {
  it("accepts a full spec as plain JSON", () => {
    const spec = JSON.parse(`{
      "fallback": { "value": { "items": [] } },
      "timeout": { "totalMs": 2000, "perTryMs": 500 },
      "retry": { "maxAttempts": 3, "backoff": "decorrelated-jitter", "initialDelayMs": 20 },
      "hedge": { "delayMs": 50 },
      "circuitBreaker": { "kind": "count", "size": 20, "failureRatio": 0.5, "minimumCalls": 10, "halfOpenAfterMs": 5000 },
      "adaptiveLimit": { "initialLimit": 20 },
      "bulkhead": { "maxConcurrent": 10, "maxQueue": 5 }
    }`);
    expect(validateSpec(spec)).toBe(spec);
  });

  it("names every field at fault and the reason", () => {
    const issues = specIssues({
      retry: { maxAttempts: 0, backoff: "linear" },
      circuitBreaker: { kind: "count", halfOpenAfterMs: 1, halfOpenTrials: 0.5, failureRatio: 1.5 },
      bulkhead: { maxConcurent: 3 },
      retries: {},
      timeout: { totalMs: 100, perTryMs: 200 },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "retry.maxAttempts", reason: "must be ≥ 1" },
        { path: "retry.backoff", reason: "must be one of exponential, decorrelated-jitter" },
        { path: "circuitBreaker.halfOpenTrials", reason: "must be a whole number" },
        { path: "circuitBreaker.failureRatio", reason: "must be above 0 and at most 1" },
        { path: "circuitBreaker.size", reason: "is required for kind count" },
        { path: "bulkhead.maxConcurent", reason: "unknown field" },
        { path: "bulkhead.maxConcurrent", reason: "is required" },
        { path: "timeout.perTryMs", reason: "must not exceed timeout.totalMs" },
      ]),
    );
    expect(issues.find((i) => i.path === "retries")?.reason).toMatch(/unknown policy/);
  });

  it("throws RESILIENCE_INVALID_SPEC with the issues attached and listed in the message", () => {
    let caught: unknown;
    try {
      validateSpec({ bulkhead: { maxConcurrent: "ten" } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: "RESILIENCE_INVALID_SPEC",
      issues: [{ path: "bulkhead.maxConcurrent", reason: "must be a number" }],
    });
    expect((caught as Error).message).toContain("bulkhead.maxConcurrent must be a number");
    expect(() => validateSpec("retry: 3")).toThrow(/must be an object/);
  });
});
