import {
  attemptContext,
  type CallContext,
  checkNumber,
  type Event,
  EventSource,
  executeVia,
  followAbort,
  neverAborted,
  RUN_INTO,
  type RunsInto,
  type Settles,
  type SinkTask,
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
 * A call waiting for a slot. A class, not an object of closures: a queued call costs this object and no promise;
 * at 128 in flight over a 64-slot bulkhead, the closures were most of the bulkhead's share of a request's CPU, and a
 * TS runner's `keepNames` wraps each named one again. Its abort follower is made only when the caller's signal can
 * abort.
 */
class Waiting<T> {
  /** Whether it still waits in the queue (`WaitQueue` sets it). */
  queued = false;
  /** Forgets the abort listener (`noop` when the signal cannot abort). */
  drop: () => void = noop;

  constructor(
    readonly task: SinkTask<T>,
    readonly sink: Settles<T>,
    readonly signal: AbortSignal,
    readonly call: CallContext,
  ) {}
}

/** The sink of a call that holds a slot: frees the slot, then the outcome goes on (once). */
class Releasing<T> implements Settles<T> {
  #settled = false;

  constructor(
    private readonly release: () => void,
    private readonly out: Settles<T>,
  ) {}

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.release();
    this.out.resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.release();
    this.out.reject(error);
  }
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
    const next = queue.take();
    if (!next) {
      running--;
      return;
    }
    next.drop();
    // The slot passes to the oldest waiting call, started a microtask later: a slot is freed inside whatever told
    // the outcome (an lb undici attempt's headers callback, through a sink), which must not send the next request.
    queueMicrotask(() => start(next.task, next.sink, next.signal, next.call));
  };

  /** Runs `task` in a slot already taken; the slot is freed when it reports. */
  function start<T>(task: SinkTask<T>, sink: Settles<T>, signal: AbortSignal, call: CallContext): void {
    if (signal.aborted) {
      // Its caller aborted while the slot was on its way (a queued call, between `release` and this microtask): it
      // does not run, and the slot goes on — an aborted call must not hold one (cockatiel's queue starvation,
      // connor4312/cockatiel#114, fixed there in its dequeue).
      release();
      sink.reject(signal.reason);
      return;
    }
    const out = new Releasing(release, sink);
    try {
      task(attemptContext(call, signal, 0), out);
    } catch (error) {
      out.reject(error);
    }
  }

  /** A queued call whose caller aborted: out of the queue, rejected with the signal's reason. */
  // biome-ignore lint/suspicious/noExplicitAny: one queue holds calls of any result type
  const leaveOnAbort = (waiting: Waiting<any>): void => {
    queue.remove(waiting);
    waiting.sink.reject(waiting.signal.reason);
  };

  // Written once, as a sink (core's RUN_INTO): `execute` is one promise around it.
  const runInto: RunsInto[typeof RUN_INTO] = (task, sink, signal = neverAborted, call = unknownCall) => {
    if (signal.aborted) {
      sink.reject(signal.reason);
      return;
    }
    if (running < limit) {
      running++;
      start(task, sink, signal, call);
      return;
    }
    if (queue.size >= maxQueue) {
      rejected.emit();
      sink.reject(
        new ResilienceError(
          "RESILIENCE_BULKHEAD_FULL",
          `bulkhead full (${limit} running, ${maxQueue} queued): shed load or raise maxConcurrent/maxQueue`,
        ),
      );
      return;
    }
    const waiting = new Waiting(task, sink, signal, call);
    if (signal !== neverAborted) waiting.drop = followAbort(signal, () => leaveOnAbort(waiting));
    queue.push(waiting);
  };
  const runner: RunsInto = { [RUN_INTO]: runInto };

  // The free-slot path acts only at a call's start and settlement: a guard (guard.ts). No free slot: `RUN_INTO`.
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
    ...runner, // internal too: the promise-free path
    execute: (fn, signal, call) => executeVia(runner, fn, signal, call),
    onRejected: rejected.event,
    get executionSlots() {
      return limit - running;
    },
    get queueSlots() {
      return maxQueue - queue.size;
    },
  };
}
