import { type Clock, monotonicClock } from "./clock.js";
import { afterIo } from "./io-timeout.js";

/** Something that runs out of time: a call or request (its deadline) or an attempt (its per-try timeout). */
export interface Expiring {
  /** Where it sits in its queue; -1 when not queued. Owned by the queue. */
  slot: number;
  /**
   * Called once when its time is up, unless it was `cancel`led first. `lateMs`: how long after its due time the
   * timer actually ran (monotonic ms, ≥ 0) — large when the event loop was blocked, so a caller can tell a slow
   * upstream from a busy client.
   */
  expire(lateMs: number): void;
}

/** Entries kept before the settled ones at the head are dropped (amortizes the copy). */
const COMPACT_AT = 1_024;

/**
 * The timeouts of one duration with one timer in all, instead of a `setTimeout`/`clearTimeout` pair per request
 * (≈ 1 µs each, and a Timeout object per request for the GC). Every entry waits the same `ms`, so entries fall due
 * in the order they were added and a FIFO is a sorted queue (the idea of Netty's `HashedWheelTimer` and Finagle's
 * timer, without the wheel). Cancelling is O(1): the slot is cleared, and the entry itself is let go at once, so a
 * finished request is never kept alive (or promoted to the old generation) by its pending timeout. The one timer
 * is armed for the oldest live entry and `unref`'d; with `expireAfterIo`, due entries expire after the I/O of the
 * turn the timer ran in (see `#fire`). Memory is bounded by the entries added in the last `ms`.
 * Shared by resilience's timeout policy and the load balancer's per-try timeouts and deadlines (both transports).
 */
export class DeadlineQueue {
  readonly ms: number;
  readonly #items: (Expiring | undefined)[] = [];
  readonly #dues: number[] = [];
  readonly #clock: Clock;
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set between the timer's firing and the expiry of the due entries (see `#fire`). */
  #expiring: ReturnType<typeof setImmediate> | undefined;
  #closed = false;

  readonly #afterIo: boolean;

  /**
   * `ms` must be 1 to 2^31−1 (checked by the option's owner); `clock` is monotonic (tests inject one).
   * `expireAfterIo`: due entries expire in the check phase of the turn the timer ran in, after its I/O (see `#fire`);
   * for timeouts on network answers. Off, they expire in the timer's callback.
   */
  constructor(ms: number, clock: Clock = monotonicClock, options: { readonly expireAfterIo?: boolean } = {}) {
    this.ms = ms;
    this.#clock = clock;
    this.#afterIo = options.expireAfterIo === true;
  }

  /** Entries not yet due or cancelled (for tests). */
  get pending(): number {
    let live = 0;
    for (let i = this.#head; i < this.#items.length; i++) if (this.#items[i] !== undefined) live++;
    return live;
  }

  /**
   * Calls `item.expire()` `ms` from now unless `cancel(item)` comes first. `now`: a reading of this queue's clock
   * the caller has just taken, with no other entry added since (an attempt's start time, say), so one request does
   * not read the clock twice in a row (`performance.now()` costs ≈ 0.1 µs on a VM's clock source, and a request
   * read it several times); default a fresh reading.
   */
  add(item: Expiring, now: number = this.#clock.now()): void {
    if (this.#closed) return;
    // Settled entries at the head go now, not at the next firing: the arrays hold about what is in flight.
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++;
    if (this.#head === this.#items.length) this.#reset();
    else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#items.length) this.#compact();
    item.slot = this.#items.length;
    this.#items.push(item);
    this.#dues.push(now + this.ms);
    if (this.#timer === undefined && this.#expiring === undefined) this.#arm(this.ms);
  }

  /** Takes `item` out; a no-op when it is not queued. */
  cancel(item: Expiring): void {
    if (item.slot < 0) return;
    if (this.#items[item.slot] === item) this.#items[item.slot] = undefined;
    item.slot = -1;
  }

  /** Stops the timer and forgets every entry (none expires). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearImmediate(this.#expiring);
    this.#expiring = undefined;
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i];
      if (item) item.slot = -1;
    }
    this.#reset();
  }

  /**
   * The timer ran. With `expireAfterIo`, when it ran after the oldest entry was due, the due entries expire in this
   * loop turn's check phase (`setImmediate`), after its I/O phase. Node runs due timers before it reads the sockets,
   * so after a stall (a GC pause, a busy or descheduled process) a timer fired first would fail an attempt whose
   * answer already sits in the socket buffer — and abort its connection, retry, open another: more work while the
   * process is already late. Deferred past the I/O phase, an answer that arrived in time settles (cancels) its entry
   * first; an entry still unanswered expires then (`afterIo`: the rule and its sources). A timer on time (a fake
   * clock, in tests) expires at once: the poll phase ran up to the due time, so nothing that came before is unread.
   */
  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#afterIo && this.#heldUp()) this.#expiring = afterIo(this.#expireDue);
    else this.#expireDue();
  };

  /** Whether the oldest live entry fell due before now: the loop was held up past it. Drops settled head entries. */
  #heldUp(): boolean {
    while (this.#head < this.#items.length && this.#items[this.#head] === undefined) this.#head++;
    return this.#head < this.#items.length && this.#clock.now() > (this.#dues[this.#head] as number);
  }

  readonly #expireDue = (): void => {
    this.#expiring = undefined;
    const now = this.#clock.now();
    const items = this.#items;
    // One entry's expire() throwing must not strand the entries after it (they would never expire: their requests
    // hang): every due entry expires, the timer is armed again, then the first error surfaces as the timer's own.
    let failed = false;
    let firstError: unknown;
    while (this.#head < items.length) {
      const item = items[this.#head];
      const due = this.#dues[this.#head] as number;
      if (item !== undefined && due > now) break;
      items[this.#head] = undefined;
      this.#head++;
      if (item === undefined) continue;
      item.slot = -1;
      try {
        item.expire(now - due);
      } catch (error) {
        if (!failed) firstError = error;
        failed = true;
      }
    }
    if (this.#head >= items.length) this.#reset();
    else if (this.#timer === undefined) this.#arm((this.#dues[this.#head] as number) - now);
    if (failed) throw firstError;
  };

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }

  /** Empties the queue, keeping its arrays (a queue that drains after each request allocates nothing). */
  #reset(): void {
    this.#items.length = 0;
    this.#dues.length = 0;
    this.#head = 0;
  }

  /** Drops the head's settled entries and renumbers the rest. */
  #compact(): void {
    this.#items.splice(0, this.#head);
    this.#dues.splice(0, this.#head);
    this.#head = 0;
    for (let i = 0; i < this.#items.length; i++) {
      const item = this.#items[i];
      if (item) item.slot = i;
    }
  }
}
