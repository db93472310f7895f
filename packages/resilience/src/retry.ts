import { type Event, EventEmitter, handleWhen, type RetryPolicy, retry } from "cockatiel";
import { isIdempotentCall } from "./call.js";
import { requireInteger, requireNumber } from "./errors.js";
import type { Policy } from "./policy.js";
import { type BackoffKind, RetryAfterBackoff } from "./retry-backoff.js";
import type { RetryBudget } from "./retry-budget.js";
import { isRetryableFailure } from "./retryable.js";

/** Settings of a retry policy. */
export interface RetryOptions {
  /** Attempts in all, the first included (so 3 means up to two retries). */
  readonly maxAttempts: number;
  /**
   * Which failures to retry. Default: `isRetryableFailure` — connection failures for any call; 429/502/503/504 and
   * per-try timeouts only for idempotent calls (see `withCall`); never a policy's rejection.
   */
  readonly retryOn?: (error: Error) => boolean;
  /** Treat every call as idempotent (e.g. all calls carry idempotency keys). Default false. */
  readonly retryNonIdempotent?: boolean;
  /** `exponential` (full jitter, default) or `decorrelated-jitter`. */
  readonly backoff?: BackoffKind;
  /** First backoff delay (default 10 ms), growing each retry up to `maxDelayMs` (default 1 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured (default 30 s). */
  readonly maxRetryAfterMs?: number;
  /** A shared budget each retry must withdraw from; without one, only `maxAttempts` limits retries. */
  readonly budget?: RetryBudget;
}

/** A retry policy and its typed events. */
export interface Retry extends Policy {
  readonly onRetry: RetryPolicy["onRetry"];
  /** The call failed for good: out of attempts, or out of budget. */
  readonly onGiveUp: RetryPolicy["onGiveUp"];
  /** A retry was wanted but the budget refused it. */
  readonly onBudgetExhausted: Event<{ readonly error: unknown }>;
}

/**
 * Retries failed attempts with backoff, on cockatiel's retry. Each attempt calls `fn` again, so a load-balanced
 * `fn` re-picks its instance on every retry. The decision is taken when an attempt fails, so a budget token is
 * spent only for a retry that really happens.
 */
export function createRetryPolicy(options: RetryOptions): Retry {
  const maxAttempts = requireInteger("maxAttempts", options.maxAttempts, 1);
  const initialDelayMs = requireNumber("initialDelayMs", options.initialDelayMs ?? 10, 0);
  const maxDelayMs = requireNumber("maxDelayMs", options.maxDelayMs ?? 1_000, initialDelayMs);
  const { budget, retryOn } = options;
  const always = options.retryNonIdempotent ?? false;
  const budgetExhausted = new EventEmitter<{ readonly error: unknown }>();
  const giveUp = new EventEmitter<{ readonly error: Error } | { readonly value: unknown }>();
  // Errors this policy decided to retry; the cockatiel filter only reads the decision.
  const retryThese = new WeakSet<object>();

  const policy = retry(
    handleWhen((error) => retryThese.has(error)),
    {
      // cockatiel counts retries, not attempts.
      maxAttempts: maxAttempts - 1,
      backoff: new RetryAfterBackoff({
        kind: options.backoff ?? "exponential",
        initialDelayMs,
        maxDelayMs,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      }),
    },
  );

  policy.onGiveUp((reason) => giveUp.emit(reason));

  return {
    execute: (fn, signal) => {
      budget?.deposit();
      return policy.execute(async (context) => {
        try {
          return await fn(context);
        } catch (error) {
          if (typeof error !== "object" || error === null) throw error;
          // Read here, not per call: the async context still holds the caller's withCall, and successes skip it.
          const wanted = retryOn ? retryOn(error as Error) : isRetryableFailure(error, always || isIdempotentCall());
          if (!wanted) throw error;
          // On the last attempt cockatiel itself gives up (and fires onGiveUp); no budget is spent.
          if (context.attempt + 1 < maxAttempts && budget && !budget.tryWithdraw()) {
            budgetExhausted.emit({ error });
            giveUp.emit({ error: error as Error });
            throw error;
          }
          retryThese.add(error);
          throw error;
        }
      }, signal);
    },
    onRetry: policy.onRetry,
    onGiveUp: giveUp.addListener,
    onBudgetExhausted: budgetExhausted.addListener,
  };
}
