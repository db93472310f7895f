/**
 * The requests a client has started whose callers have not yet heard their fate (an answer, or an error), so that
 * its `close()` resolves only after every one of them has: undici's rule (nodejs/undici
 * lib/dispatcher/dispatcher-base.js, `close()` resolves once the dispatcher's `kClose` has waited for the requests
 * in flight and queued; `destroy()` errors them). Kept by identity; `drained()` resolves once none is left.
 */
export class OpenCalls<T> {
  readonly #open = new Set<T>();
  #waiting: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /** Calls not yet ended. */
  get size(): number {
    return this.#open.size;
  }

  /** `call` started: `drained()` waits for it. */
  add(call: T): void {
    this.#open.add(call);
  }

  /** `call`'s caller has its answer or its error (a no-op for one not open): the last one resolves `drained()`. */
  delete(call: T): void {
    if (!this.#open.delete(call) || this.#open.size > 0) return;
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
    if (this.#open.size === 0) return Promise.resolve();
    this.#waiting ??= new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    return this.#waiting;
  }
}
