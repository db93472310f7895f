/** Taken entries kept before the head until the array is compacted (amortizes the copy, as core's DeadlineQueue). */
const COMPACT_AT = 1_024;

/** What a `WaitQueue` entry carries: whether it still waits (set by the queue; read it, never write it). */
export interface Queued {
  queued: boolean;
}

/**
 * A first-in first-out queue with O(1) `take` and O(1) `remove`: an array and a head index, not
 * `Array.prototype.shift`, which moves every element after the head on each take — with a bulkhead's queue full at
 * concurrency 128 (64 waiting), `shift` was most of the bulkhead's share of a request's CPU. A removed entry (a
 * caller that gave up) is only marked; `take` passes over it, and the array is compacted once the marked outnumber
 * the waiting — so aborting n queued callers costs O(n), not the O(n²) of `indexOf` + `splice` per abort (40 000
 * callers on one signal blocked the loop 1.4 s), and a queue whose callers all left holds none of them.
 */
export class WaitQueue<T extends Queued> {
  readonly #items: (T | undefined)[] = [];
  #head = 0;
  #waiting = 0;

  /** Entries waiting. */
  get size(): number {
    return this.#waiting;
  }

  push(item: T): void {
    item.queued = true;
    this.#items.push(item);
    this.#waiting++;
  }

  /** The oldest entry still waiting, out of the queue; undefined when none waits. */
  take(): T | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const item = items[this.#head];
      items[this.#head++] = undefined;
      if (item?.queued) {
        item.queued = false;
        this.#waiting--;
        this.#compact();
        return item;
      }
    }
    this.#compact();
    return undefined;
  }

  /** Takes `item` out wherever it waits; false when it does not wait (taken, removed, never pushed). */
  remove(item: T): boolean {
    if (!item.queued) return false;
    item.queued = false;
    this.#waiting--;
    this.#compact();
    return true;
  }

  #compact(): void {
    const items = this.#items;
    if (this.#waiting === 0) {
      // Every release of a bulkhead with nobody queued comes here: Array's length setter is a runtime call.
      if (items.length > 0) items.length = 0;
      this.#head = 0;
      return;
    }
    const marked = items.length - this.#head - this.#waiting;
    if (marked >= COMPACT_AT && marked > this.#waiting) {
      // Every marked entry out in one pass: O(length), paid once per ≥ length/2 removals.
      let to = 0;
      for (let from = this.#head; from < items.length; from++) {
        const item = items[from];
        if (item?.queued) items[to++] = item;
      }
      items.length = to;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
