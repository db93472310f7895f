import {
  Attempt,
  type AttemptContext,
  type CallContext,
  checkNumber,
  DeadlineQueue,
  type Event,
  EventSource,
  followAbort,
  MAX_TIMER_DELAY_MS,
  neverAborted,
  unknownCall,
} from "@outrigger/core";
import { ResilienceError } from "./errors.js";
import type { Policy } from "./policy.js";

/** Settings of a timeout policy. */
export interface TimeoutOptions {
  /** How long the call may take, in ms (1 to 2^31−1, what setTimeout honours). */
  readonly ms: number;
  /**
   * `attempt` (per-try, innermost; a timed-out try may be retried: RESILIENCE_TIMEOUT) or `total` (the deadline of
   * the whole call with its retries, outermost: RESILIENCE_DEADLINE_EXCEEDED, never retried).
   */
  readonly scope?: "attempt" | "total";
}

/** A timeout policy and its typed event. */
export interface Timeout extends Policy {
  readonly onTimeout: Event<void>;
}

/**
 * The context handed to a timed attempt: the call's context, and a `signal` made on first read (on Node 20
 * creating an AbortSignal costs microseconds, more than the rest of the pipeline, and many attempts never read it).
 * Once made, it aborts with the timeout's error when time is up (so the load-balanced client counts it against the
 * instance, as its own per-try timeout) or with the caller's reason; `release()` removes its listener from the
 * caller's signal, so a long-lived caller signal keeps nothing per call.
 */
class TimedAttempt extends Attempt {
  #controller: AbortController | undefined;
  #expired: Error | undefined;
  #unfollow: (() => void) | undefined;

  constructor(
    private readonly parent: AbortSignal,
    call: CallContext,
  ) {
    super(call, undefined, 0);
  }

  // An inner policy must see this attempt's timeout: hand it the real signal.
  override peekSignal(): AbortSignal {
    return this.signal;
  }

  protected override makeSignal(): AbortSignal {
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#expired) controller.abort(this.#expired);
    else if (this.parent.aborted) controller.abort(this.parent.reason);
    else this.#unfollow = followAbort(this.parent, () => controller.abort(this.parent.reason));
    return controller.signal;
  }

  expire(reason: Error): void {
    this.#expired = reason;
    this.#controller?.abort(reason);
    this.release();
  }

  release(): void {
    this.#unfollow?.();
    this.#unfollow = undefined;
  }
}

const invalid = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/**
 * Bounds a call's time. When time is up the caller gets RESILIENCE_TIMEOUT (per try) or RESILIENCE_DEADLINE_EXCEEDED
 * (total) at once, whether or not the attempt cooperates, and the attempt's `signal` aborts with that error, so an
 * HTTP client given that signal cancels the underlying request. Not cockatiel's timeout: that one creates an
 * AbortController and aborts it on every return, which costs ~20 µs a call on Node 20; the behaviour (aggressive,
 * signal-cancelling) is the same. Throws RESILIENCE_INVALID_OPTION for an `ms` that is not 1 to 2^31−1.
 */
export function createTimeoutPolicy(options: TimeoutOptions): Timeout {
  const ms = checkNumber("ms", options.ms, { min: 1, max: MAX_TIMER_DELAY_MS }, invalid);
  const total = options.scope === "total";
  const timedOut = new EventSource<void>();
  const fail = () =>
    total
      ? new ResilienceError("RESILIENCE_DEADLINE_EXCEEDED", `the call exceeded its total deadline of ${ms} ms`)
      : new ResilienceError("RESILIENCE_TIMEOUT", `the attempt took longer than ${ms} ms`);
  const deadlines = new DeadlineQueue(ms);
  return {
    execute: <T>(fn: (context: AttemptContext) => PromiseLike<T> | T, signal?: AbortSignal, call?: CallContext) =>
      new Promise<T>((resolve, reject) => {
        const attempt = new TimedAttempt(signal ?? neverAborted, call ?? unknownCall);
        let settled = false;
        const deadline = {
          slot: -1,
          expire: () => {
            if (settled) return;
            settled = true;
            const error = fail();
            attempt.expire(error);
            timedOut.emit();
            reject(error);
          },
        };
        deadlines.add(deadline);
        const finish = (ok: boolean, value: unknown) => {
          if (settled) return;
          settled = true;
          deadlines.cancel(deadline);
          attempt.release();
          ok ? resolve(value as T) : reject(value);
        };
        try {
          Promise.resolve(fn(attempt)).then(
            (value) => finish(true, value),
            (error) => finish(false, error),
          );
        } catch (error) {
          finish(false, error);
        }
      }),
    onTimeout: timedOut.event,
  };
}
