import { type Event, EventSource, setIoTimeout } from "@outrigger/core";
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
  /**
   * The shared store failed (`RESILIENCE_STORE_FAILED`, e.g. Redis down) or did not answer within `storeTimeoutMs`
   * (`RESILIENCE_STORE_TIMEOUT`); that call was decided by `onStoreFailure`. Connection errors of the Redis client
   * arrive here too, as they are.
   */
  readonly onStoreError: Event<Error>;
}

/** What a call decides when the shared store fails or is late: the in-memory insurance answers, or it is refused. */
export type StoreFailureMode = "open" | "closed";

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
   * Points per window for the in-memory limiter that answers while Redis is unreachable or late (default `points`,
   * i.e. each process alone may admit the whole limit; set points / processes to stay within the limit meanwhile).
   */
  readonly insurancePoints?: number;
  /**
   * How long one call waits for Redis, in ms (default 25, 1–10 000). A Redis that stops answering without closing
   * its socket (paused, a partition, a stopped container) never errors, so only a per-call timer bounds the wait.
   * A local Redis answers in well under 1 ms; 25 ms absorbs a busy event loop without letting a hang show.
   */
  readonly storeTimeoutMs?: number;
  /**
   * When Redis fails or is late: `"open"` (default) lets the in-memory insurance limiter decide (the limit becomes
   * per process meanwhile); `"closed"` refuses the call with `retryAfterMs` = `storeTimeoutMs`.
   */
  readonly onStoreFailure?: StoreFailureMode;
}

const DEFAULT_STORE_TIMEOUT_MS = 25;

/**
 * One "error" listener per Redis client, however many limiters share it: each limiter used to add its own and never
 * remove it, so a client shared by many limiters (a `LivePolicy` per service, or one whose `rateLimit` changed at
 * run time) passed Node's 10-listener warning and kept every replaced limiter reachable from the client.
 */
const connectionErrors = new WeakMap<Redis, EventSource<Error>>();

function connectionErrorsOf(redis: Redis): EventSource<Error> {
  let errors = connectionErrors.get(redis);
  if (!errors) {
    const source = new EventSource<Error>();
    // Without a listener, an ioredis "error" event (Redis restarting) is thrown and takes the host process down.
    redis.on("error", (error: Error) => source.emit(error));
    connectionErrors.set(redis, source);
    errors = source;
  }
  return errors;
}

/** Both sources as one event: the limiter's own store errors and its client's connection errors. */
function bothOf(own: Event<Error>, connection: Event<Error>): Event<Error> {
  return (listener) => {
    const a = own(listener);
    const b = connection(listener);
    return {
      dispose: () => {
        a.dispose();
        b.dispose();
      },
    };
  };
}

/**
 * A fixed-window rate limiter on rate-limiter-flexible: in memory, or in Redis for one limit shared by many
 * processes. With Redis, every call waits at most `storeTimeoutMs`; a failed or late call is decided by
 * `onStoreFailure` and reported through `onStoreError`, so a dead or paused Redis never stalls the host.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const points = requireInteger("points", options.points, 1);
  const durationMs = requireInteger("durationMs", options.durationMs ?? 1_000, 1_000);
  if (durationMs % 1_000 !== 0) {
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `durationMs must be whole seconds, got ${durationMs}`);
  }
  const duration = durationMs / 1_000;
  const keyPrefix = options.keyPrefix ?? "outrigger-rl";
  const admitted = (res: RateLimiterRes): Admission => ({
    allowed: true,
    remaining: res.remainingPoints,
    resetMs: res.msBeforeNext,
  });
  const refused = (rejection: unknown): Admission => {
    if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
    throw rejection;
  };
  const storeErrors = new EventSource<Error>();
  const { redis } = options;
  if (!redis) {
    const memory = new RateLimiterMemory({ points, duration, keyPrefix });
    return {
      // No async/await: on the request path every await is a measurable share of a sub-microsecond check.
      acquire: (key = "all") => memory.consume(key).then(admitted, refused),
      onStoreError: storeErrors.event,
    };
  }
  const storeTimeoutMs = requireInteger("storeTimeoutMs", options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS, 1);
  if (storeTimeoutMs > 10_000) {
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `storeTimeoutMs must be ≤ 10000, got ${storeTimeoutMs}`);
  }
  const mode = options.onStoreFailure ?? "open";
  if (mode !== "open" && mode !== "closed") {
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `onStoreFailure must be "open" or "closed", got ${mode}`);
  }
  const insurancePoints = requireInteger("insurancePoints", options.insurancePoints ?? points, 1);
  const onStoreError = bothOf(storeErrors.event, connectionErrorsOf(redis).event);
  const insurance = new RateLimiterMemory({ points: insurancePoints, duration, keyPrefix });
  // No insuranceLimiter here: this function decides on every failure itself, so that it can also decide on a late
  // answer (rate-limiter-flexible falls back only on errors) and honour "closed".
  const store = new RateLimiterRedis({ storeClient: redis, points, duration, keyPrefix, rejectIfRedisNotReady: true });
  // Calls that timed out and have not settled yet: while one is pending, Redis is known to be late, so new calls
  // skip it instead of queueing one more command behind the stall (ioredis would hold every one of them in memory).
  let late = 0;

  const fallback = (key: string, error: ResilienceError): Promise<Admission> => {
    storeErrors.emit(error);
    if (mode === "closed") return Promise.resolve({ allowed: false, retryAfterMs: storeTimeoutMs });
    return insurance.consume(key).then(admitted, refused);
  };
  const storeFailed = (key: string, cause: unknown) =>
    fallback(
      key,
      new ResilienceError(
        "RESILIENCE_STORE_FAILED",
        `rate limit store failed (${(cause as Error)?.message ?? String(cause)}); decided ${mode === "open" ? "by the in-memory insurance" : "closed"}`,
        { cause },
      ),
    );

  const acquire = (key = "all"): Promise<Admission> => {
    if (late > 0) {
      return fallback(
        key,
        new ResilienceError(
          "RESILIENCE_STORE_TIMEOUT",
          `rate limit store is still late on an earlier call; decided ${mode === "open" ? "by the in-memory insurance" : "closed"}`,
        ),
      );
    }
    return new Promise<Admission>((resolve) => {
      let settled = false;
      // The store timeout races Redis' reply: after a stall of the event loop, a reply already in the socket buffer
      // is read first (setIoTimeout, core's after-I/O rule) — else the call would fall back (or be refused, `closed`)
      // and mark the store late for the calls after it, though Redis answered in time.
      const timer = setIoTimeout(() => {
        settled = true;
        late++;
        resolve(
          fallback(
            key,
            new ResilienceError(
              "RESILIENCE_STORE_TIMEOUT",
              `rate limit store did not answer within ${storeTimeoutMs} ms; decided ${mode === "open" ? "by the in-memory insurance" : "closed"}`,
            ),
          ),
        );
      }, storeTimeoutMs);

      store.consume(key).then(
        (res) => {
          if (settled) late--;
          else {
            timer.dispose();
            settled = true;
            resolve(admitted(res));
          }
        },
        (rejection: unknown) => {
          if (settled) {
            late--;
            return;
          }
          timer.dispose();
          settled = true;
          resolve(rejection instanceof RateLimiterRes ? refused(rejection) : storeFailed(key, rejection));
        },
      );
    });
  };
  return { acquire, onStoreError };
}
