/**
 * Per service, a gate its first calls wait at until the service's first policy answer was handled (the registry's,
 * which comes in the same watch answer as the instances those calls wait for, or the state file's), so even a
 * service's very first call runs under its central policy. Each gate is bounded: after `waitMs` it opens by itself
 * and calls go on unrouted. Once open, a service's calls never wait again.
 */
export class FirstAnswers {
  readonly #pending = new Map<string, { readonly promise: Promise<void>; readonly open: () => void }>();
  readonly #answered = new Set<string>();

  /** Whether `key`'s first answer was handled (its calls need not wait). */
  answered(key: string): boolean {
    return this.#answered.has(key);
  }

  /** Sets up `key`'s gate (once), opened by `answer(key)` or after `waitMs`. */
  expect(key: string, waitMs: number): void {
    if (this.#answered.has(key) || this.#pending.has(key)) return;
    let resolve: () => void = () => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    // Not unref'd: a call waiting here keeps the process alive, as a call waiting for discovery does (bounded).
    const timer = setTimeout(() => this.answer(key), waitMs);
    this.#pending.set(key, {
      promise,
      open: () => {
        clearTimeout(timer);
        resolve();
      },
    });
  }

  /** What a call of `key` waits for; undefined when there is nothing to wait for. */
  wait(key: string): Promise<void> | undefined {
    return this.#answered.has(key) ? undefined : this.#pending.get(key)?.promise;
  }

  /** `key`'s first answer was handled (applied, refused or unchanged; or none can come): its calls go on. */
  answer(key: string): void {
    this.#answered.add(key);
    this.#pending.get(key)?.open();
    this.#pending.delete(key);
  }
}
