/** Stops a listener, timer or subscription. */
export interface Disposable {
  dispose(): void;
}

/** A typed event: call it with a listener to subscribe (cockatiel's shape, not a string-keyed emitter). */
export type Event<T> = (listener: (value: T) => unknown) => Disposable;

/**
 * The publishing side of an `Event`. Listeners are isolated: one that throws or returns a rejected promise is
 * reported to `onListenerError` and neither stops the others nor becomes an unhandled rejection.
 */
export class EventSource<T> {
  readonly #listeners = new Set<(value: T) => unknown>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** The subscribing side, to expose publicly. */
  readonly event: Event<T> = (listener) => {
    const own = (value: T) => listener(value);
    this.#listeners.add(own);
    return { dispose: () => this.#listeners.delete(own) };
  };

  /** Calls every listener with `value`, in subscription order. */
  emit(value: T): void {
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
      this.onListenerError(error);
    } catch {
      // The error handler itself failed; there is nowhere safer to send it, and throwing would break isolation.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
