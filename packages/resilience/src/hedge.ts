import {
  attemptContext,
  type CallContext,
  type Clock,
  checkNumber,
  checkOptionalNumber,
  clampTimerDelay,
  type Disposable,
  type Event,
  EventSource,
  followAbort,
  MAX_TIMER_DELAY_MS,
  monotonicClock,
  neverAborted,
  setIoTimeout,
  unknownCall,
} from "@outrigger/core";
import { publishResilience, resilienceChannels } from "./channels.js";
import { disposeResult } from "./dispose-result.js";
import { ResilienceError } from "./errors.js";
import { LatencyTracker } from "./latency-tracker.js";
import type { AttemptContext, Policy } from "./policy.js";
import type { RetryBudget } from "./retry-budget.js";

const invalid = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/** Settings of a hedging policy. */
export interface HedgeOptions {
  /** Fixed delay before the hedge; default: the observed latency quantile (p95) once `minSamples` are in. */
  readonly delayMs?: number;
  /** Quantile of observed latencies that triggers a hedge (default 0.95). */
  readonly quantile?: number;
  /** Samples needed before the observed quantile is trusted; until then no hedging (default 20). */
  readonly minSamples?: number;
  /** Extra attempts at most (default 1). */
  readonly maxHedges?: number;
  /** The service's retry budget: each hedge withdraws from it like a retry. */
  readonly budget?: RetryBudget;
  /** Deposit one request per call into the budget (default true; false when a retry policy already does). */
  readonly depositRequests?: boolean;
  /** Hedge calls that did not declare themselves idempotent (default false). */
  readonly hedgeNonIdempotent?: boolean;
  readonly clock?: Clock;
}

/** A hedge was sent. */
export interface HedgeEvent {
  /** 1 for the first hedge. */
  readonly hedge: number;
  readonly afterMs: number;
}

/** A hedging policy and its typed events. */
export interface Hedge extends Policy {
  readonly onHedge: Event<HedgeEvent>;
  /** A hedge was due but the budget refused it. */
  readonly onBudgetExhausted: Event<void>;
  /** The delay the next call would wait before hedging, if any. */
  readonly currentDelayMs: number | undefined;
}

/**
 * Hedged requests ("The Tail at Scale"): when an idempotent call has not answered after the usual p95, send the
 * same call again; the first answer wins and the others are aborted through their signals. A loser that answers
 * anyway (before its abort took effect, or one that ignores its signal) is disposed (`disposeResult`: its
 * `Symbol.asyncDispose`, or its streamed HTTP body closed). Each hedge spends a retry-budget token, so hedging cannot
 * double the load on a slow service.
 */
export function createHedgePolicy(options: HedgeOptions = {}): Hedge {
  const fixed = checkOptionalNumber("delayMs", options.delayMs, { max: MAX_TIMER_DELAY_MS }, invalid);
  checkOptionalNumber("quantile", options.quantile, { max: 1 }, invalid);
  const minSamples = checkNumber("minSamples", options.minSamples ?? 20, { min: 1, integer: true }, invalid);
  const maxHedges = checkNumber("maxHedges", options.maxHedges ?? 1, { min: 1, integer: true }, invalid);
  const clock = options.clock ?? monotonicClock;
  const { budget } = options;
  const deposit = options.depositRequests ?? true;
  const tracker = new LatencyTracker({ quantile: options.quantile ?? 0.95 });
  const hedged = new EventSource<HedgeEvent>();
  const exhausted = new EventSource<void>();
  const delay = () => fixed ?? (tracker.count >= minSamples ? tracker.current() : undefined);

  async function race<T>(
    fn: (c: AttemptContext) => PromiseLike<T> | T,
    signal: AbortSignal | undefined,
    call: CallContext,
    ms: number,
  ) {
    // A caller that already gave up: nothing is sent (followAbort below would never fire for it), as a bulkhead
    // refuses such a call at once.
    if (signal?.aborted) return Promise.reject<T>(signal.reason);
    const started = clock.now();
    const controllers: AbortController[] = [];
    // Set once the promise below exists: the caller's abort settles the call (see `onAbort`).
    let callerGone: () => void = () => undefined;
    const onAbort = () => {
      for (const c of controllers) c.abort(signal?.reason);
      callerGone();
    };
    const unfollow = signal ? followAbort(signal, onAbort) : () => undefined;
    return new Promise<T>((resolve, reject) => {
      let pending = 0;
      let settled = false;
      // The caller gave up: it gets its reason now, as the timeout policy answers it (cockatiel's aggressive
      // strategy), not after every attempt has wound down; no hedge goes out after it (the timer checks `settled`),
      // and an attempt that answers anyway is disposed (Kevlar#46, Polly#3094).
      callerGone = () => {
        if (settled) return;
        settled = true;
        finish();
        reject(signal?.reason);
      };
      let lastError: unknown;
      let winner: T | undefined;
      let timer: Disposable | undefined;
      const launch = () => {
        const controller = new AbortController();
        controllers.push(controller);
        pending++;
        Promise.resolve()
          .then(() => fn(attemptContext(call, controller.signal, controllers.length - 1)))
          .then(
            (value) => {
              if (settled) {
                // A loser that answered before its abort took effect: nobody reads it, so free what it holds (a
                // streamed body keeps its connection), as Polly disposes the outcomes it did not accept.
                if (value !== winner) disposeResult(value);
                return;
              }
              settled = true;
              winner = value;
              tracker.record(clock.now() - started);
              finish();
              for (const c of controllers) if (c !== controller) c.abort(new Error("hedge lost the race"));
              resolve(value);
            },
            (error) => {
              lastError = error;
              // Every attempt launched so far failed: the call fails now (an outer retry may try again).
              if (--pending === 0 && !settled) {
                settled = true;
                finish();
                reject(lastError);
              }
            },
          );
      };
      const finish = () => {
        timer?.dispose();
        unfollow();
      };
      // The hedge delay races the attempts' answers: after a stall of the event loop, an answer already in a socket
      // buffer is read first (setIoTimeout, core's after-I/O rule), so no hedge is sent for a call that has its
      // answer — a duplicate request for nothing, made exactly when this process is behind. It costs no time: the
      // hedge still goes out in the turn its timer ran in.
      const schedule = () => {
        timer = setIoTimeout(() => {
          if (settled) return;
          if (budget && !budget.tryWithdraw()) {
            exhausted.emit();
            publishResilience(resilienceChannels.budgetExhausted, () => ({ policy: "hedge", call }));
            return;
          }
          hedged.emit({ hedge: controllers.length, afterMs: clock.now() - started });
          publishResilience(resilienceChannels.hedge, () => ({
            hedge: controllers.length,
            afterMs: clock.now() - started,
            call,
          }));
          launch();
          if (controllers.length <= maxHedges) schedule();
        }, clampTimerDelay(ms));
      };
      launch();
      schedule();
    });
  }

  return {
    execute: async (fn, signal, declared) => {
      if (deposit) budget?.deposit();
      const call = declared ?? unknownCall;
      const ms = delay();
      // A hedge sends the call twice at once: only for calls safe to repeat whose body can be sent again.
      if (ms === undefined || !call.replayable || !(options.hedgeNonIdempotent || call.idempotent)) {
        const started = clock.now();
        const value = await fn(attemptContext(call, signal ?? neverAborted, 0));
        tracker.record(clock.now() - started);
        return value;
      }
      return race(fn, signal, call, ms);
    },
    onHedge: hedged.event,
    onBudgetExhausted: exhausted.event,
    get currentDelayMs() {
      return delay();
    },
  };
}
