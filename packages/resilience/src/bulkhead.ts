import {
  type AttemptContext,
  attemptContext,
  type CallContext,
  checkNumber,
  type Event,
  EventSource,
  followAbort,
  neverAborted,
  openPromise,
  unknownCall,
} from "@outrigger/core";
import { ResilienceError } from "./errors.js";
import { GUARD, type Guard } from "./guard.js";
import type { Policy } from "./policy.js";
import { WaitQueue } from "./wait-queue.js";

/** Settings of a bulkhead. */
export interface BulkheadOptions {
  /** Calls running at once. */
  readonly maxConcurrent: number;
  /** Calls waiting for a slot (default 0: reject at once when full). */
  readonly maxQueue?: number;
}

/** A bulkhead and its typed event. */
export interface Bulkhead extends Policy {
  /** A call was refused because both slots and queue were full. */
  readonly onRejected: Event<void>;
  /** Free slots right now. */
  readonly executionSlots: number;
  /** Free queue places right now. */
  readonly queueSlots: number;
}

/**
 * A call waiting for a slot. A class, not an object of closures: a queued call costs this object and its promise
 * (`openPromise`: no executor closure); at 128 in flight over a 64-slot bulkhead, the closures were most of the
 * bulkhead's share of a request's CPU, and a TS runner's `keepNames` wraps each named one again. Its abort
 * follower is made only when the caller's signal can abort.
 */
class Waiting<T> {
  /** Whether it still waits in the queue (`WaitQueue` sets it). */
  queued = false;
  resolve: (value: T) => void = noop;
  reject: (error: unknown) => void = noop;
  /** Forgets the abort listener (`noop` when the signal cannot abort). */
  drop: () => void = noop;

  constructor(
    readonly fn: (c: AttemptContext) => PromiseLike<T> | T,
    readonly signal: AbortSignal,
    readonly call: CallContext,
  ) {}
}

const noop = (): void => undefined;

const invalid = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/**
 * Caps concurrent calls to a dependency; the overflow is rejected with RESILIENCE_BULKHEAD_FULL. A queued call
 * whose caller aborts leaves the queue and is rejected at once with the signal's reason (cockatiel 3's bulkhead
 * only notices when a slot frees up), and its abort listener is removed whichever way it leaves.
 */
export function createBulkheadPolicy(options: BulkheadOptions): Bulkhead {
  const limit = checkNumber("maxConcurrent", options.maxConcurrent, { min: 1, integer: true }, invalid);
  const maxQueue = checkNumber("maxQueue", options.maxQueue ?? 0, { integer: true }, invalid);
  const rejected = new EventSource<void>();
  // biome-ignore lint/suspicious/noExplicitAny: one queue holds calls of any result type
  const queue = new WaitQueue<Waiting<any>>();
  let running = 0;

  const release = () => {
    running--;
    const next = queue.take();
    if (next) {
      next.drop();
      run(next.fn, next.signal, next.call).then(next.resolve, next.reject);
    }
  };
  // `finally(release)` made two closures per call and, on settling, another promise and two more microtask turns
  // (the spec's ThenFinally chains `PromiseResolve(onFinally()).then(valueThunk)`: tc39/ecma262#1118); these two
  // are made once per bulkhead and pass the outcome through unchanged.
  const releaseValue = <T>(value: T): T => {
    release();
    return value;
  };
  const releaseError = (error: unknown): never => {
    release();
    throw error;
  };

  /** A queued call whose caller aborted: out of the queue, rejected with the signal's reason. */
  // biome-ignore lint/suspicious/noExplicitAny: see `queue`
  const leaveOnAbort = (waiting: Waiting<any>): void => {
    queue.remove(waiting);
    waiting.reject(waiting.signal.reason);
  };

  function run<T>(fn: (c: AttemptContext) => PromiseLike<T> | T, signal: AbortSignal, call: CallContext): Promise<T> {
    running++;
    let result: Promise<T>;
    try {
      result = Promise.resolve(fn(attemptContext(call, signal, 0)));
    } catch (error) {
      result = Promise.reject(error);
    }
    // No async/await here: each extra await is a measurable share of the pipeline's overhead.
    return result.then(releaseValue, releaseError);
  }

  // The free-slot path acts only at a call's start and settlement: a guard (guard.ts). No free slot: `execute`.
  const guard: Guard = {
    enter: (signal) => {
      if (signal.aborted) throw signal.reason;
      if (running >= limit) return undefined;
      running++;
      return 0;
    },
    leave: release,
  };

  return {
    ...{ [GUARD]: guard }, // internal, not part of the `Bulkhead` type
    execute: <T>(fn: (c: AttemptContext) => PromiseLike<T> | T, signal = neverAborted, call = unknownCall) => {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (running < limit) return run(fn, signal, call);
      if (queue.size >= maxQueue) {
        rejected.emit();
        return Promise.reject(
          new ResilienceError(
            "RESILIENCE_BULKHEAD_FULL",
            `bulkhead full (${limit} running, ${maxQueue} queued): shed load or raise maxConcurrent/maxQueue`,
          ),
        );
      }
      const waiting = new Waiting(fn, signal, call);
      const queued = openPromise(waiting);
      if (signal !== neverAborted) waiting.drop = followAbort(signal, () => leaveOnAbort(waiting));
      queue.push(waiting);
      return queued;
    },
    onRejected: rejected.event,
    get executionSlots() {
      return limit - running;
    },
    get queueSlots() {
      return maxQueue - queue.size;
    },
  };
}
