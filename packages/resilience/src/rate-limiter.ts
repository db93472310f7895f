import { type Event, EventEmitter } from "cockatiel";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { ResilienceError, requireInteger } from "./errors.js";

/** The verdict of one admission check. */
export type Admission =
  | { readonly allowed: true; readonly remaining: number; readonly resetMs: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

/** Admission control: may one more call with this key go ahead now? */
export interface RateLimiter {
  acquire(key?: string): Promise<Admission>;
  /** The shared store failed (e.g. Redis down); the in-memory insurance limiter answered meanwhile. */
  readonly onStoreError: Event<Error>;
}

/** Settings of a rate limiter. */
export interface RateLimiterOptions {
  /** Calls admitted per window. */
  readonly points: number;
  /** Window length (default 1000 ms). rate-limiter-flexible windows are whole seconds, so this must be a multiple. */
  readonly durationMs?: number;
  /** Share the limit among processes through Redis (an ioredis client); without it the limit is per process. */
  readonly redis?: Redis;
  /** Key namespace in Redis (default "outrigger-rl"). */
  readonly keyPrefix?: string;
  /**
   * Points per window for the in-memory limiter that answers while Redis is unreachable (default `points`, i.e. each
   * process alone may admit the whole limit; set points / processes to stay within the limit during an outage).
   */
  readonly insurancePoints?: number;
}

/**
 * A fixed-window rate limiter on rate-limiter-flexible: in memory, or in Redis for one limit shared by many
 * processes. With Redis, a memory limiter stands in while Redis is down (rate-limiter-flexible's insurance), so
 * an outage degrades the limit to per-process instead of failing every call or crashing the host.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const points = requireInteger("points", options.points, 1);
  const durationMs = requireInteger("durationMs", options.durationMs ?? 1_000, 1_000);
  if (durationMs % 1_000 !== 0) {
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `durationMs must be whole seconds, got ${durationMs}`);
  }
  const duration = durationMs / 1_000;
  const keyPrefix = options.keyPrefix ?? "outrigger-rl";
  const storeErrors = new EventEmitter<Error>();
  const { redis } = options;
  let limiter: RateLimiterMemory | RateLimiterRedis;
  if (redis) {
    // Without a listener, an ioredis "error" event (Redis restarting) is thrown and takes the host process down.
    redis.on("error", (error: Error) => storeErrors.emit(error));
    const insurance = new RateLimiterMemory({ points: options.insurancePoints ?? points, duration, keyPrefix });
    limiter = new RateLimiterRedis({
      storeClient: redis,
      points,
      duration,
      keyPrefix,
      insuranceLimiter: insurance,
      // Answer from insurance at once while disconnected rather than queueing behind a reconnect.
      rejectIfRedisNotReady: true,
    });
  } else {
    limiter = new RateLimiterMemory({ points, duration, keyPrefix });
  }
  const admitted = (res: RateLimiterRes): Admission => ({
    allowed: true,
    remaining: res.remainingPoints,
    resetMs: res.msBeforeNext,
  });
  const refused = (rejection: unknown): Admission => {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
    throw rejection;
  };
  return {
    // No async/await: on the request path every await is a measurable share of a sub-microsecond check.
    acquire: (key = "all") => limiter.consume(key).then(admitted, refused),
    onStoreError: storeErrors.addListener,
  };
}
