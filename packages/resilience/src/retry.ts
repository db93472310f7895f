import {
  type AttemptContext,
  type BackoffKind,
  type Event,
  EventSource,
  type GiveUpEvent,
  neverAborted,
  RetryEngine,
  type RetryEvent,
  RUN_INTO,
  type RunsInto,
  retryInto,
  unknownCall,
} from "@outrigger/core";
import { ResilienceError } from "./errors.js";
import type { Policy } from "./policy.js";
import type { RetryBudget } from "./retry-budget.js";

/** Settings of a retry policy; the same settings, and the same engine, as `createLbAxios`'s `retry` option. */
export interface RetryOptions {
  /** Attempts in all, the first included (so 3 means up to two retries). */
  readonly maxAttempts: number;
  /**
   * Which failures to retry. Default: a request that provably never reached a server (refused, DNS, connect
   * timeout) for any call; a `retryOnStatus` answer, a per-try timeout or a connection lost after sending only for
   * idempotent calls (`call.idempotent`, from the method per RFC 9110); never a policy's rejection. The replay,
   * attempt, Retry-After, deadline and budget gates apply whatever this says.
   */
  readonly retryOn?: (error: Error, context: AttemptContext) => boolean;
  /** Statuses worth another try (default 429, 502, 503, 504). */
  readonly retryOnStatus?: readonly number[];
  /** Treat every call as idempotent (e.g. all calls carry idempotency keys). Default false. */
  readonly retryNonIdempotent?: boolean;
  /** `exponential` (full jitter, default), `decorrelated-jitter` or `none`. */
  readonly backoff?: BackoffKind;
  /** First backoff delay (default 10 ms), growing each retry up to `maxDelayMs` (default 1 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured (default 30 s); a server asking for longer gets no retry. */
  readonly maxRetryAfterMs?: number;
  /** A shared budget each retry must withdraw from; without one, only `maxAttempts` limits retries. */
  readonly budget?: RetryBudget;
}

/** A retry policy and its typed events. */
export interface Retry extends Policy {
  /** Before each retry's backoff: `{ attempt, delay, kind, error }`. */
  readonly onRetry: Event<RetryEvent>;
  /** The call failed for good (`why`: out of attempts, budget, not idempotent, …) with every attempt's error. */
  readonly onGiveUp: Event<GiveUpEvent>;
  /** A retry was wanted but the budget refused it. */
  readonly onBudgetExhausted: Event<{ readonly error: unknown }>;
}

const invalid = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/**
 * Retries failed attempts with backoff, on the engine `createLbAxios` uses for its built-in retries (one engine,
 * one set of rules). Each attempt calls `fn` again with a fresh context, so a load-balanced `fn` re-picks an
 * instance not yet tried. What the call is (method, idempotent, replayable body, deadline) comes from the `call`
 * passed to `execute`: the load-balanced client passes it; a call without one is taken as not idempotent.
 */
export function createRetryPolicy(options: RetryOptions): Retry {
  const { retryOn, ...rest } = options;
  const engine = new RetryEngine(
    { ...rest, ...(retryOn ? { retryOn: (error, context) => retryOn(error as Error, context) } : {}) },
    invalid,
  );
  const exhausted = new EventSource<{ readonly error: unknown }>();
  engine.onGiveUp((event) => {
    if (event.why === "budget") exhausted.emit({ error: event.error });
  });
  const runInto: RunsInto[typeof RUN_INTO] = (task, sink, signal, call) =>
    retryInto(engine, task, sink, call ?? unknownCall, signal ?? neverAborted);
  return {
    execute: (fn, signal, call) => engine.run(fn, call ?? unknownCall, signal ?? neverAborted),
    ...{ [RUN_INTO]: runInto }, // internal, not part of the `Retry` type: the promise-free path (core's sink.ts)
    onRetry: engine.onRetry,
    onGiveUp: engine.onGiveUp,
    onBudgetExhausted: exhausted.event,
  };
}
