import { type Disposable, followAbort, setIoTimeout } from "@outrigger/core";
import { isLbError, LbError } from "./errors.js";

/** A caller waiting for an instance below its in-flight cap. */
interface Waiter<T> {
  readonly attempt: () => T;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: Disposable;
  readonly cleanup: () => void;
}

const noop = (): void => undefined;

const isBusy = (error: unknown): boolean => isLbError(error) && error.code === "LB_INSTANCES_BUSY";

/**
 * The bounded wait for a free slot when every instance is at its in-flight cap (HAProxy's queue with `timeout
 * queue`, Envoy's `max_pending_requests`): waiters retry their pick in arrival order whenever a request ends or the
 * instances change; a waiter whose pick is still busy keeps its place while later ones (which may avoid other
 * instances) get their turn. Waiters follow their caller's signal through `@outrigger/core`'s `followAbort`: any
 * number of them waiting on one long-lived signal hold one listener on it, gone when the last one leaves.
 */
export class PickQueue<T> {
  readonly #waiters: Waiter<T>[] = [];

  constructor(
    readonly timeoutMs: number,
    readonly maxQueued: number,
  ) {}

  /** Requests waiting now. */
  get size(): number {
    return this.#waiters.length;
  }

  /** `attempt()` now, or once it stops failing with LB_INSTANCES_BUSY, within the timeout. */
  acquire(attempt: () => T, signal?: AbortSignal): Promise<T> {
    try {
      return Promise.resolve(attempt());
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length >= this.maxQueued) {
      return Promise.reject(
        new LbError(
          "LB_QUEUE_FULL",
          `Every instance is at its in-flight cap and ${this.maxQueued} requests already wait: raise maxInFlightPerInstance or maxQueued, or add instances`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      // The queue timeout races the answers that free a slot: after a stall of the event loop, answers already in
      // the socket buffers are read first (setIoTimeout, core's after-I/O rule), so a waiter they would let through
      // does not fail with LB_QUEUE_TIMEOUT for the client's own stall.
      const timer = setIoTimeout(
        () =>
          this.#remove(
            waiter,
            new LbError(
              "LB_QUEUE_TIMEOUT",
              `No instance below its in-flight cap within ${this.timeoutMs} ms: raise maxInFlightPerInstance or queueTimeoutMs, or add instances`,
            ),
          ),
        this.timeoutMs,
      );
      let unfollow = noop;
      const waiter: Waiter<T> = {
        attempt,
        resolve,
        reject,
        timer,
        cleanup: () => {
          timer.dispose();
          unfollow();
        },
      };
      if (signal) unfollow = followAbort(signal, () => this.#remove(waiter, signal.reason));
      this.#waiters.push(waiter);
    });
  }

  /** Offers free slots to the waiters, first come first served, until `slots` of them got one. */
  drain(slots = Number.POSITIVE_INFINITY): void {
    let granted = 0;
    for (let i = 0; i < this.#waiters.length && granted < slots; ) {
      const waiter = this.#waiters[i] as Waiter<T>;
      try {
        const value = waiter.attempt();
        this.#waiters.splice(i, 1);
        waiter.cleanup();
        waiter.resolve(value);
        granted++;
      } catch (error) {
        if (isBusy(error)) {
          i++;
          continue;
        }
        this.#waiters.splice(i, 1);
        waiter.cleanup();
        waiter.reject(error);
      }
    }
  }

  #remove(waiter: Waiter<T>, reason: unknown): void {
    const i = this.#waiters.indexOf(waiter);
    if (i < 0) return;
    this.#waiters.splice(i, 1);
    waiter.cleanup();
    waiter.reject(reason);
  }
}
