import { attemptContext, type Event, EventSource, unknownCall } from "@outrigger/core";
import { neverAborted } from "./compose.js";
import { ResilienceError } from "./errors.js";
import type { Policy } from "./policy.js";
import type { RateLimiter } from "./rate-limiter.js";

/** Settings of an outbound rate-limit policy. */
export interface RateLimitPolicyOptions {
  readonly limiter: RateLimiter;
  /** The key limited, usually the target service (default "all"). */
  readonly key?: string;
}

/** An outbound rate limit and its typed event. */
export interface RateLimit extends Policy {
  readonly onRejected: Event<{ readonly key: string; readonly retryAfterMs: number }>;
}

/**
 * Admits outbound calls to a service within its rate; the excess fails at once with RESILIENCE_RATE_LIMITED and a
 * `retryAfterMs`, never retried by the retry policy (waiting in a queue is bottleneck's job, not the request path's).
 */
export function createRateLimitPolicy(options: RateLimitPolicyOptions): RateLimit {
  const { limiter } = options;
  const key = options.key ?? "all";
  const rejected = new EventSource<{ readonly key: string; readonly retryAfterMs: number }>();
  return {
    execute: async (fn, signal, call) => {
      const admission = await limiter.acquire(key);
      if (!admission.allowed) {
        rejected.emit({ key, retryAfterMs: admission.retryAfterMs });
        throw new ResilienceError(
          "RESILIENCE_RATE_LIMITED",
          `rate limit of "${key}" reached; try again in ${admission.retryAfterMs} ms`,
          { retryAfterMs: admission.retryAfterMs },
        );
      }
      return fn(attemptContext(call ?? unknownCall, signal ?? neverAborted, 0));
    },
    onRejected: rejected.event,
  };
}
