/** Stops a listener, timer or subscription. Calling `dispose` again does nothing. */
export interface Disposable {
  dispose(): void;
}

/** A typed event: call it with a listener to subscribe (cockatiel's shape, not a string-keyed emitter). */
export type Event<T> = (listener: (value: T) => unknown) => Disposable;

/** What an `EventSource` does with a listener's failure; the default emits a process warning. */
export type ListenerErrorHandler = (error: unknown) => void;

const warn: ListenerErrorHandler = (error) => {
  process.emitWarning(`an Outrigger event listener failed: ${(error as Error)?.message ?? String(error)}`, {
    code: "OUTRIGGER_LISTENER_FAILED",
  });
};

/**
 * The publishing side of an `Event`, the one every Outrigger package uses. Listeners are isolated: one that throws
 * or returns a rejected promise is reported to `onListenerError` and neither stops the listeners after it nor
 * fails the emitter's own work (a registry write, a config swap) nor becomes an unhandled rejection.
 */
export class EventSource<T> {
  readonly #listeners = new Set<(value: T) => unknown>();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = warn) {
    this.#onListenerError = onListenerError;
  }

  /** The subscribing side, to expose publicly. */
  readonly event: Event<T> = (listener) => {
    // A wrapper per subscription, so one function subscribed twice is two subscriptions.
    const own = (value: T) => listener(value);
    this.#listeners.add(own);
    return { dispose: () => void this.#listeners.delete(own) };
  };

  /** How many listeners are subscribed (leak checks, and skipping work nobody listens for). */
  get size(): number {
    return this.#listeners.size;
  }

  /** Calls every listener with `value`, in subscription order. */
  emit(value: T): void {
    // Nobody listening (the usual case on a request's path): no Set iterator.
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) {
      try {
        const result = listener(value);
        if (isThenable(result)) result.then(undefined, (error) => this.#report(error));
      } catch (error) {
        this.#report(error);
      }
    }
  }

  #report(error: unknown): void {
    try {
      this.#onListenerError(error);
    } catch {
      // The handler itself failed; throwing would break the isolation this class exists for.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
