/**
 * How an `lb://` request through the undici dispatcher ends early: the caller's abort (fetch's AbortSignal,
 * `undici.request`'s signal), the dispatcher's `destroy()`, or the deadline. The first reason is kept;
 * `cancelled()` tells the caller's doing from the deadline (a policy's breaker then counts the failure as neither:
 * core's `isCallCancelled`). An AbortSignal is made only when something must be handed one (`requestSignal()`: a
 * policy, a pick waiting for a free instance); otherwise the caller's abort and the deadline reach the attempt in
 * flight directly (a profile at concurrency 32 showed AbortSignals, their listeners and per-attempt timers as a third
 * of this path's CPU, most of it garbage collection). `BalancedCall` extends it: still one object per request.
 */
export abstract class StoppableCall {
  /** Why the caller or the deadline ended the request; set once. */
  #stopped: Error | undefined;
  /** The caller (or the dispatcher's destroy()) ended it, not the deadline: see `cancelled`. */
  #cancelled = false;
  #controller: AbortController | undefined;

  /** Why the request was ended early; undefined while it runs. */
  protected get stopped(): Error | undefined {
    return this.#stopped;
  }

  /** Ends the request now with `reason` (the caller's abort, the dispatcher's destroy()), the attempt included. */
  abort(reason: Error): void {
    if (!this.#stopped) this.#cancelled = true;
    this.stop(reason);
  }

  /** True once the caller cancelled: a policy's breaker then counts the failure as neither (core's `isCallCancelled`). */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /** The request's signal for a policy or a waiting pick, made on first need; aborts with the caller or deadline. */
  protected requestSignal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#stopped && !this.#controller.signal.aborted) this.#controller.abort(this.#stopped);
    return this.#controller.signal;
  }

  /** Ends the request with `reason` unless it already ended; `onStop` ends what is in flight. */
  protected stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#controller?.abort(reason);
    this.onStop(reason);
  }

  /** The request just ended early with `reason`: end the attempt in flight, or with none answer the caller now. */
  protected abstract onStop(reason: Error): void;
}
