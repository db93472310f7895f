import { ExponentialBackoff, handleWhen, type RetryPolicy, retry } from "cockatiel";
import { ResilienceError } from "./errors.js";
import type { Policy } from "./policy.js";
import { isConnectionError } from "./retryable.js";

/** Settings of a retry policy. */
export interface RetryOptions {
  /** Attempts in all, the first included (so 3 means up to two retries). */
  readonly maxAttempts: number;
  /** Which failures to retry; default: connection failures only. */
  readonly retryOn?: (error: Error) => boolean;
  /** First backoff delay (default 10 ms), doubled each retry up to `maxDelayMs` (default 1 s), with jitter. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** A retry policy and its typed events. */
export interface Retry extends Policy {
  readonly onRetry: RetryPolicy["onRetry"];
  readonly onGiveUp: RetryPolicy["onGiveUp"];
}

/**
 * Retries failed attempts with exponential backoff, on cockatiel's retry. Each attempt calls `fn` again, so a
 * load-balanced `fn` re-picks its instance on every retry.
 */
export function createRetryPolicy(options: RetryOptions): Retry {
  const { maxAttempts } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ResilienceError(
      "RESILIENCE_INVALID_OPTION",
      `maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`,
    );
  }
  const policy = retry(handleWhen(options.retryOn ?? isConnectionError), {
    // cockatiel counts retries, not attempts.
    maxAttempts: maxAttempts - 1,
    backoff: new ExponentialBackoff({
      initialDelay: options.initialDelayMs ?? 10,
      maxDelay: options.maxDelayMs ?? 1_000,
    }),
  });
  return {
    execute: (fn, signal) => policy.execute(fn, signal),
    onRetry: policy.onRetry,
    onGiveUp: policy.onGiveUp,
  };
}
