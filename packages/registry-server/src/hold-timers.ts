import { type Clock, monotonicClock } from "@outrigger/core";

/** One pending hold end: `fire` runs once at `due` unless cancelled. `slot` is owned by `HoldTimers`. */
export interface HoldTimer {
  due: number;
  slot: number;
  readonly fire: () => void;
}

/**
 * The hold ends of every held request (Consul blocking queries, Outrigger watches) under one `setTimeout`, instead
 * of a timer per request: 5 000 held queries are 5 000 Timeout objects for the GC and 5 000 insert/remove pairs in
 * Node's timer lists. Holds have different lengths (each wait carries its own jitter, Consul's wait/16), so the
 * entries sit in a binary min-heap by due time (adding and cancelling are O(log n)) and the one timer, `unref`'d, is
 * armed for the earliest. `clock` is monotonic (tests inject one, or fake `performance`).
 */
export class HoldTimers {
  readonly #heap: HoldTimer[] = [];
  readonly #clock: Clock;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(clock: Clock = monotonicClock) {
    this.#clock = clock;
  }

  /** Holds pending. */
  get size(): number {
    return this.#heap.length;
  }

  /** Runs `fire` once `ms` from now (unless `cancel`led); the returned entry is the handle. */
  add(ms: number, fire: () => void): HoldTimer {
    const entry: HoldTimer = { due: this.#clock.now() + Math.max(0, ms), slot: this.#heap.length, fire };
    this.#heap.push(entry);
    this.#up(entry.slot);
    this.#arm();
    return entry;
  }

  /** Takes `entry` out; a no-op when it already fired or was cancelled. */
  cancel(entry: HoldTimer): void {
    const at = entry.slot;
    if (at < 0 || this.#heap[at] !== entry) return;
    entry.slot = -1;
    const last = this.#heap.pop() as HoldTimer;
    if (last !== entry) {
      this.#heap[at] = last;
      last.slot = at;
      this.#down(at);
      this.#up(last.slot);
    }
    if (this.#heap.length === 0) this.#disarm();
  }

  /** Stops the timer and forgets every entry (none fires). */
  close(): void {
    for (const entry of this.#heap) entry.slot = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  readonly #run = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const due: HoldTimer[] = [];
    while (this.#heap.length > 0 && (this.#heap[0] as HoldTimer).due <= now) {
      const first = this.#heap[0] as HoldTimer;
      this.cancel(first);
      due.push(first);
    }
    this.#arm();
    // After the heap is consistent: a `fire` may add or cancel entries.
    for (const entry of due) entry.fire();
  };

  #arm(): void {
    const first = this.#heap[0];
    if (!first || first.due >= this.#armedFor) return;
    clearTimeout(this.#timer);
    this.#armedFor = first.due;
    // Holds are capped at 10 minutes (MAX_WAIT_MS), far below setTimeout's 2^31−1 ms limit.
    this.#timer = setTimeout(this.#run, Math.max(0, Math.ceil(first.due - this.#clock.now())));
    this.#timer.unref();
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #up(at: number): void {
    const heap = this.#heap;
    const entry = heap[at] as HoldTimer;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = heap[parent] as HoldTimer;
      if (above.due <= entry.due) break;
      heap[at] = above;
      above.slot = at;
      at = parent;
    }
    heap[at] = entry;
    entry.slot = at;
  }

  #down(at: number): void {
    const heap = this.#heap;
    const entry = heap[at] as HoldTimer;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as HoldTimer).due < (heap[left] as HoldTimer).due ? right : left;
      const below = heap[child] as HoldTimer;
      if (below.due >= entry.due) break;
      heap[at] = below;
      below.slot = at;
      at = child;
    }
    heap[at] = entry;
    entry.slot = at;
  }
}
