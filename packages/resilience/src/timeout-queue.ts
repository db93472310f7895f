import { type Clock, monotonicClock } from "@outrigger/core";

/** One pending deadline; `cancel()` when the call settles first (O(1): the queue skips it later). */
export interface Deadline {
  cancel(): void;
}

interface Entry extends Deadline {
  readonly due: number;
  expire: (() => void) | undefined;
}

/**
 * The deadlines of one timeout policy, with one timer for the earliest instead of a `setTimeout` per call. Every
 * call through a policy waits the same `ms`, so calls fall due in the order they started: a FIFO queue is a sorted
 * one (the idea of Netty's and Finagle's timer wheels, without the wheel). Settled calls are skipped when they reach
 * the head, and swept in bulk when they pile up, so memory stays bounded by the calls started in the last `ms`.
 */
export class DeadlineQueue {
  readonly #ms: number;
  readonly #clock: Clock;
  #entries: Entry[] = [];
  #head = 0;
  #sweepAt = 1_024;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, clock: Clock = monotonicClock) {
    this.#ms = ms;
    this.#clock = clock;
  }

  /** Entries held (pending, and settled ones not yet swept). */
  get size(): number {
    return this.#entries.length - this.#head;
  }

  /** Calls `expire` once `ms` from now unless cancelled first. */
  add(expire: () => void): Deadline {
    const entry: Entry = {
      due: this.#clock.now() + this.#ms,
      expire,
      cancel() {
        entry.expire = undefined;
      },
    };
    if (this.#entries.length - this.#head >= this.#sweepAt) this.#sweep();
    this.#entries.push(entry);
    if (!this.#timer) this.#arm(this.#ms);
    return entry;
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head] as Entry;
      if (entry.expire && entry.due > now) break;
      this.#head++;
      const expire = entry.expire;
      entry.expire = undefined;
      expire?.();
    }
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else {
      this.#arm((entries[this.#head] as Entry).due - now);
    }
  };

  #arm(delayMs: number): void {
    // Bounded by `ms` (checked ≤ 2^31−1 by the policy); it must not keep a process alive on its own.
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }

  /** Drops settled entries; the next sweep waits until twice as many are pending, so sweeping stays O(1) amortized. */
  #sweep(): void {
    this.#entries = this.#entries.slice(this.#head).filter((entry) => entry.expire !== undefined);
    this.#head = 0;
    this.#sweepAt = Math.max(1_024, this.#entries.length * 2);
  }
}
