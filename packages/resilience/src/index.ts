export type { BackoffKind, GiveUpEvent, RetryEvent } from "@outrigger/core";
export { attemptErrorsOf, describeCall, isIdempotentMethod } from "@outrigger/core";
export type { Event, IDisposable as Disposable } from "cockatiel";
export { type Bulkhead, type BulkheadOptions, createBulkheadPolicy } from "./bulkhead.js";
export {
  type BreakerMode,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  CircuitState,
  createCircuitBreaker,
  isDependencyFailure,
} from "./circuit-breaker.js";
export { type Clock, systemClock } from "./clock.js";
export { composePolicies, passThrough } from "./compose.js";
export { isRejection, isResilienceError, ResilienceError, type ResilienceErrorCode } from "./errors.js";
export { createFallbackPolicy, type Fallback, type FallbackOptions } from "./fallback.js";
export { FreshSamplingBreaker, type SamplingBreakerOptions } from "./fresh-sampling-breaker.js";
export { createHedgePolicy, type Hedge, type HedgeEvent, type HedgeOptions } from "./hedge.js";
export {
  createExpressRateLimit,
  createFastifyRateLimit,
  createHttpRateLimit,
  type InboundRateLimitOptions,
} from "./inbound-rate-limit.js";
export { LatencyTracker, type LatencyTrackerOptions } from "./latency-tracker.js";
export { LivePolicy, type LivePolicyOptions, type RejectedEvent } from "./live-policy.js";
export type { AttemptContext, CallContext, Policy } from "./policy.js";
export { createRateLimitPolicy, type RateLimit, type RateLimitPolicyOptions } from "./rate-limit-policy.js";
export { type Admission, createRateLimiter, type RateLimiter, type RateLimiterOptions } from "./rate-limiter.js";
export { createRetryPolicy, type Retry, type RetryOptions } from "./retry.js";
export { type BudgetExhaustedEvent, RetryBudget, type RetryBudgetOptions, RetryBudgets } from "./retry-budget.js";
export { HttpStatusError, isConnectionError, isRetryableFailure, retryAfterMsOf, statusOf } from "./retryable.js";
export { type PolicySpec, SPEC_ORDER, type SpecIssue, specIssues, validateSpec } from "./spec.js";
export { createThrottle, type Throttle, type ThrottleOptions } from "./throttle.js";
export { createTimeoutPolicy, type Timeout, type TimeoutOptions } from "./timeout.js";
export { VegasLimit, type VegasOptions } from "./vegas-limit.js";
export { WindowBreaker, type WindowBreakerOptions } from "./window-breaker.js";
