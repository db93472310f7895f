/**
 * Fire-and-forget copies of requests (a route's `mirror`), as Envoy's request mirroring: the answer is drained and
 * dropped, a failure is counted and never reaches the caller, and at most `maxInFlight` copies run at once — past
 * that a copy is dropped rather than queued, so a slow mirror target can never hold memory or sockets of the caller.
 */
export class Mirror {
  readonly #max: number;
  #inFlight = 0;
  /** Copies sent, failed (an error or no answer) and dropped (over the limit), since start. */
  readonly counts = { sent: 0, failed: 0, dropped: 0 };

  constructor(maxInFlight = 32) {
    this.#max = maxInFlight;
  }

  /** Starts a copy unless `maxInFlight` are running; never throws, never rejects. */
  send(copy: () => Promise<unknown>): void {
    if (this.#inFlight >= this.#max) {
      this.counts.dropped += 1;
      return;
    }
    this.#inFlight += 1;
    this.counts.sent += 1;
    let started: Promise<unknown>;
    try {
      started = copy();
    } catch (error) {
      started = Promise.reject(error);
    }
    started
      .catch(() => {
        this.counts.failed += 1;
      })
      .finally(() => {
        this.#inFlight -= 1;
      });
  }
}
