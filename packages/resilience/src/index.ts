export { isResilienceError, ResilienceError, type ResilienceErrorCode } from "./errors.js";
export type { AttemptContext, Policy } from "./policy.js";
export { createRetryPolicy, type Retry, type RetryOptions } from "./retry.js";
export { isConnectionError } from "./retryable.js";
