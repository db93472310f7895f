/** Taken entries kept before the head until the array is compacted (amortizes the copy, as core's DeadlineQueue). */
const COMPACT_AT = 1_024;

/**
 * A first-in first-out queue with O(1) `take`: an array and a head index, not `Array.prototype.shift`, which moves
 * every element after the head on each take — with a bulkhead's queue full at concurrency 128 (64 waiting), `shift`
 * was most of the bulkhead's share of a request's CPU. `remove` (a caller that gave up) is O(n), and rare.
 */
export class WaitQueue<T> {
  readonly #items: (T | undefined)[] = [];
  #head = 0;

  /** Entries waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest entry, out of the queue; undefined when empty. */
  take(): T | undefined {
    const items = this.#items;
    if (this.#head === items.length) return undefined;
    const item = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Takes `item` out wherever it waits; false when it is not queued. */
  remove(item: T): boolean {
    const at = this.#items.indexOf(item, this.#head);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return true;
  }
}
