/** Stops a listener, timer or subscription. */
export interface Disposable {
  dispose(): void;
}

/** A typed event: call it with a listener to subscribe (cockatiel's shape, not a string-keyed emitter). */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** The publishing side of an `Event`: listeners run in order, and one that throws does not stop the others. */
export class EventSource<T> {
  readonly #listeners = new Set<(value: T) => void>();

  /** The subscribing side, to expose publicly. */
  readonly event: Event<T> = (listener) => {
    const own = (value: T) => listener(value);
    this.#listeners.add(own);
    return { dispose: () => this.#listeners.delete(own) };
  };

  /** Calls every listener with `value`. */
  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        // A faulty listener must not take down discovery; surface it without throwing.
        process.emitWarning(`outrigger listener threw: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
}
