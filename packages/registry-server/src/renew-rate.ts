import type { Clock } from "./clock.js";

/** One minute: self-preservation compares the renews of the last whole minute with its threshold. */
const MINUTE_MS = 60_000;

/**
 * Counts events per whole minute, as Eureka's `MeasuredRate`: `lastMinute()` is the count of the previous whole
 * minute, so the figure is stable for a minute at a time. It rolls buckets lazily from the clock (no timer).
 */
export class RenewRate {
  readonly #clock: Clock;
  readonly #startedAt: number;
  #bucketStart: number;
  #current = 0;
  #last = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#startedAt = clock.now();
    this.#bucketStart = this.#startedAt;
  }

  /** Counts one event. */
  increment(): void {
    this.#roll();
    this.#current += 1;
  }

  /** Events of the last whole minute. */
  lastMinute(): number {
    this.#roll();
    return this.#last;
  }

  /** True once one whole minute has been measured; before that `lastMinute()` means nothing. */
  measured(): boolean {
    return this.#clock.now() - this.#startedAt >= MINUTE_MS;
  }

  #roll(): void {
    const now = this.#clock.now();
    if (now - this.#bucketStart < MINUTE_MS) return;
    const minutes = Math.floor((now - this.#bucketStart) / MINUTE_MS);
    this.#last = minutes === 1 ? this.#current : 0;
    this.#current = 0;
    this.#bucketStart += minutes * MINUTE_MS;
  }
}
