/** What `OpenCalls` keeps on each call: its index among the open ones, -1 when not open. */
export interface OpenSlot {
  openSlot: number;
}

/**
 * The requests a client has started whose callers have not yet heard their fate (an answer, or an error), so that
 * its `close()` resolves only after every one of them has: undici's rule (nodejs/undici
 * lib/dispatcher/dispatcher-base.js, `close()` resolves once the dispatcher's `kClose` has waited for the requests
 * in flight and queued; `destroy()` errors them). Each call carries its place (`OpenSlot`); `drained()` resolves once
 * none is left.
 */
export class OpenCalls<T extends OpenSlot> {
  // An array with each call's index on the call (swap-remove), not a Set: a long-lived Set with an add and a delete
  // per request rehashes its table every few hundred requests, and those tables, made young and held by an old
  // object, went to the old generation — at 128 in flight the dispatcher's GC time rose 3.5× (bench:transport
  // profile-arm, 2026-11-30). This allocates nothing per call once the array has grown to the peak in flight.
  readonly #open: T[] = [];
  #waiting: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /** Calls not yet ended. */
  get size(): number {
    return this.#open.length;
  }

  /** `call` started: `drained()` waits for it. */
  add(call: T): void {
    call.openSlot = this.#open.length;
    this.#open.push(call);
  }

  /** `call`'s caller has its answer or its error (a no-op for one not open): the last one resolves `drained()`. */
  delete(call: T): void {
    const open = this.#open;
    const at = call.openSlot;
    if (at < 0 || open[at] !== call) return;
    const last = open.pop() as T;
    if (last !== call) {
      open[at] = last;
      last.openSlot = at;
    }
    call.openSlot = -1;
    if (open.length > 0) return;
    const resolve = this.#resolve;
    this.#waiting = undefined;
    this.#resolve = undefined;
    resolve?.();
  }

  /** The calls open now (a copy: ending one while iterating is safe). */
  list(): T[] {
    return [...this.#open];
  }

  /** Resolves once no call is open (at once when none is). */
  drained(): Promise<void> {
    if (this.#open.length === 0) return Promise.resolve();
    this.#waiting ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#waiting;
  }
}
