// The public face: policies and their options, errors, budgets, the spec. Breaker strategies (WindowBreaker,
// FreshSamplingBreaker), the Vegas estimator and the latency tracker are parts of createCircuitBreaker,
// createAdaptiveLimitPolicy and createHedgePolicy, not exported; the bottleneck throttle is `./throttle`.
export type { BackoffKind, Clock, Disposable, Event, GiveUpEvent, RetryEvent } from "@outrigger/core";
export { attemptErrorsOf, describeCall, isIdempotentMethod } from "@outrigger/core";
export { type AdaptiveLimit, type AdaptiveLimitOptions, createAdaptiveLimitPolicy } from "./adaptive-limit.js";

export { type Bulkhead, type BulkheadOptions, createBulkheadPolicy } from "./bulkhead.js";
export {
  type BreakerStateMessage,
  type BudgetExhaustedMessage,
  type HedgeMessage,
  type RejectionMessage,
  resilienceChannels,
} from "./channels.js";
export {
  type BreakerMode,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitState,
  createCircuitBreaker,
  isDependencyFailure,
} from "./circuit-breaker.js";
export { composePolicies, passThrough } from "./compose.js";
export { isRejection, isResilienceError, ResilienceError, type ResilienceErrorCode } from "./errors.js";
export { createFallbackPolicy, type Fallback, type FallbackOptions } from "./fallback.js";
export { createHedgePolicy, type Hedge, type HedgeEvent, type HedgeOptions } from "./hedge.js";
export { LivePolicy, type LivePolicyOptions, type RejectedEvent } from "./live-policy.js";
export type { AttemptContext, CallContext, Policy } from "./policy.js";
export { createRateLimitPolicy, type RateLimit, type RateLimitPolicyOptions } from "./rate-limit-policy.js";
export { type Admission, createRateLimiter, type RateLimiter, type RateLimiterOptions } from "./rate-limiter.js";
export { createRetryPolicy, type Retry, type RetryOptions } from "./retry.js";
export { type BudgetExhaustedEvent, RetryBudget, type RetryBudgetOptions, RetryBudgets } from "./retry-budget.js";
export { HttpStatusError, isConnectionError, isRetryableFailure, retryAfterMsOf, statusOf } from "./retryable.js";
export { type PolicySpec, SPEC_ORDER, type SpecIssue, specIssues, validateSpec } from "./spec.js";
export { createTimeoutPolicy, type Timeout, type TimeoutOptions } from "./timeout.js";
