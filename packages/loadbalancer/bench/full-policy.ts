import {
  composePolicies,
  createBulkheadPolicy,
  createCircuitBreaker,
  createRetryPolicy,
  createTimeoutPolicy,
} from "@outrigger/resilience";

/**
 * The "full policy" of the request-path benchmarks (memory, transport): retry (3 attempts), breaker, bulkhead
 * (64 running + 64 queued: room for concurrency 128), a 2 s timeout policy, per-try timeout and deadline.
 */
export const fullPolicy = () => ({
  policy: composePolicies(
    createRetryPolicy({ maxAttempts: 3 }),
    createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 }),
    createBulkheadPolicy({ maxConcurrent: 64, maxQueue: 64 }),
    createTimeoutPolicy({ ms: 2_000 }),
  ),
  perTryTimeoutMs: 2_000,
  deadlineMs: 5_000,
});
