import {
  Attempt,
  type Clock,
  checkNumber,
  DeadlineQueue,
  type Event,
  EventSource,
  type Expiring,
  executeVia,
  LazyAbort,
  MAX_TIMER_DELAY_MS,
  markTimerLate,
  neverAborted,
  RUN_INTO,
  type RunsInto,
  type Settles,
  unknownCall,
} from "@outrigger/core";
import { disposeResult } from "./dispose-result.js";
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
  /** Where time is read (default the monotonic clock); tests inject one to make a timer run late. */
  readonly clock?: Clock;
  /**
   * Let the I/O of the turn in which a late timer runs win — set it for a timeout around a network call: the
   * timeout then acts in that turn's check phase, after its sockets are read, so an answer that arrived while the
   * event loop was stalled (a GC pause, a busy or descheduled process) settles the call instead of being timed
   * out, aborted and retried (`DeadlineQueue`'s `expireAfterIo`; the rule of groupon/gofer#71 and
   * sindresorhus/got#117/#525). Costs one `setImmediate` when the policy's one timer ran late, and no delay; a
   * timer on time acts at once. Default false: the timeout acts in its timer's callback, before that turn's I/O, as
   * cockatiel's `TimeoutPolicy` (a plain `setTimeout`) does — a generic policy also bounds calls that are not
   * network I/O, and tests that make its timer late with an injected clock under fake timers see the expiry in the
   * same tick as before.
   */
  readonly expireAfterIo?: boolean;
}

/** A timeout policy and its typed event. */
export interface Timeout extends Policy {
  readonly onTimeout: Event<void>;
}

/** What every call of one timeout policy shares. */
interface TimeoutShared {
  readonly deadlines: DeadlineQueue;
  readonly timedOut: EventSource<void>;
  fail(): Error;
}

/**
 * One timed call: its own cancellation (a `LazyAbort`, whose AbortSignal is made only if the attempt reads
 * `signal`), its entry in the policy's deadline queue, and the sink its attempt reports to — one object, no timer,
 * no closure per call. The outcome goes on to `out` (the next layer's sink, or `execute`'s promise). When time is
 * up it aborts with the timeout's error (so the load-balanced client counts it against the instance, as its own
 * per-try timeout, unless the timer ran late: `markTimerLate`); the caller's signal aborts it with the caller's
 * reason.
 */
class TimedCall<T> extends LazyAbort implements Expiring, Settles<T> {
  slot = -1;
  #settled = false;
  /** Settled for the caller before its attempt answered (timed out, or the caller gave up): a late answer is freed. */
  #abandoned = false;

  constructor(
    parent: AbortSignal,
    private readonly shared: TimeoutShared,
    private readonly out: Settles<T>,
  ) {
    super(parent);
  }

  expire(lateMs: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#abandoned = true;
    const error = markTimerLate(this.shared.fail(), lateMs);
    this.abort(error);
    this.shared.timedOut.emit();
    this.out.reject(error);
  }

  // Methods, not arrow-function fields: a field made two named closures per call, and a build that keeps function
  // names (tsx, esbuild's keepNames) then ran `Object.defineProperty(fn, "name")` on each — 1% of the lb undici
  // path's CPU in a profile.
  resolve(value: T): void {
    if (this.#finish()) this.out.resolve(value);
    // An answer after the timeout (an attempt that ignored its signal): the caller has the timeout, nobody reads
    // this one, so free what it holds (a streamed body keeps its connection).
    else if (this.#abandoned) disposeResult(value);
  }

  /**
   * Cancelled from above (the caller's signal, an outer policy): the attempt's signal aborts, and the caller gets the
   * reason now, whether or not the attempt cooperates — as cockatiel's aggressive timeout races the attempt against
   * its aborted signal (src/TimeoutPolicy.ts). A caller that gave up waits for nothing; the attempt's answer, if it
   * still comes, is freed. No `onTimeout`: the caller's cancellation is no timeout.
   */
  override abort(reason: unknown): void {
    // The timeout's own abort (`expire`), or one after the attempt answered: only the followers are told.
    if (this.#settled || this.aborted) {
      super.abort(reason);
      return;
    }
    // Settled before the followers run, so none of them (an attempt rejecting in its abort listener) wins over the
    // caller's reason.
    this.#settled = true;
    this.#abandoned = true;
    this.shared.deadlines.cancel(this);
    super.abort(reason);
    this.out.reject(reason);
  }

  reject(error: unknown): void {
    if (this.#finish()) this.out.reject(error);
  }

  #finish(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.shared.deadlines.cancel(this);
    this.release();
    return true;
  }
}

const invalid = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/**
 * Bounds a call's time. When time is up the caller gets RESILIENCE_TIMEOUT (per try) or RESILIENCE_DEADLINE_EXCEEDED
 * (total) at once, whether or not the attempt cooperates, and the attempt's `signal` aborts with that error, so an
 * HTTP client given that signal cancels the underlying request. Not cockatiel's timeout: that one creates an
 * AbortController and aborts it on every return, which costs ~20 µs a call on Node 20; the behaviour (aggressive,
 * signal-cancelling) is the same, but the attempt's AbortSignal is made only when read (`LazyAbort`): a transport
 * that follows the attempt through `abortSourceOf` makes none. The timeout's error records how late the policy's
 * timer ran (`timerLateMsOf`), so a load balancer applies the local-lag rule (`isLocalLag`) to it as to its own
 * per-try timeout. The caller's cancellation ends the call at once too, with the caller's reason (an already-aborted
 * signal starts no attempt). Around a network call, set `expireAfterIo`: an answer read in the turn a late timer runs in
 * then wins over the timeout. An attempt that answers after its timeout anyway (it ignored its signal) has its
 * answer disposed (`disposeResult`: `Symbol.asyncDispose`, or a streamed HTTP body closed), since nobody reads it.
 * Throws RESILIENCE_INVALID_OPTION for an `ms` that is not 1 to 2^31−1.
 */
export function createTimeoutPolicy(options: TimeoutOptions): Timeout {
  const ms = checkNumber("ms", options.ms, { min: 1, max: MAX_TIMER_DELAY_MS }, invalid);
  const total = options.scope === "total";
  const shared: TimeoutShared = {
    timedOut: new EventSource<void>(),
    fail: () =>
      total
        ? new ResilienceError("RESILIENCE_DEADLINE_EXCEEDED", `the call exceeded its total deadline of ${ms} ms`)
        : new ResilienceError("RESILIENCE_TIMEOUT", `the attempt took longer than ${ms} ms`),
    deadlines: new DeadlineQueue(ms, options.clock, { expireAfterIo: options.expireAfterIo === true }),
  };
  const runInto: RunsInto[typeof RUN_INTO] = (task, sink, signal, call) => {
    const timed = new TimedCall(signal ?? neverAborted, shared, sink);
    // A caller that gave up before the call: its reason, and no attempt (as the bulkhead).
    if (timed.aborted) return sink.reject(timed.reason);
    shared.deadlines.add(timed);
    try {
      task(new Attempt(call ?? unknownCall, timed, 0), timed);
    } catch (error) {
      timed.reject(error);
    }
  };
  const runner: RunsInto = { [RUN_INTO]: runInto };
  return {
    execute: (fn, signal, call) => executeVia(runner, fn, signal, call),
    ...runner, // internal, not part of the `Timeout` type: the promise-free path (core's sink.ts)
    onTimeout: shared.timedOut.event,
  };
}
