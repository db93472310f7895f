import type { Clock } from "./clock.js";

/**
 * The write stamps of recent cancels, so a peer's copy written before a cancel cannot bring the instance back: a
 * status write replicated from one peer that lands on another after the instance's DELETE did there used to
 * register it again, held until its lease ran out (the kind of spring-cloud/spring-cloud-netflix#2542 and #1543,
 * "instances re-appear after shutdown", between Eureka peers). A tombstone in the sense of eventually consistent
 * stores; kept as long as the delta window (Eureka's `retentionTimeInMSInDeltaQueue`) and at most as many: a copy
 * delayed longer than that is taken as before and ends with its lease.
 */
export class RecentCancels {
  readonly #entries = new Map<string, { readonly stamp: number; readonly at: number }>();
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxEntries: number;

  constructor(clock: Clock, retentionMs: number, maxEntries: number) {
    this.#clock = clock;
    this.#retentionMs = retentionMs;
    this.#maxEntries = maxEntries;
  }

  /** A cancel of `app`/`id` stamped `stamp` (see `WriteClock`). */
  record(app: string, id: string, stamp: number): void {
    const key = `${app.toUpperCase()}/${id}`;
    this.#entries.delete(key); // re-inserted last: the map's order is the cancels' order
    this.#entries.set(key, { stamp, at: this.#clock.now() });
    this.#prune();
  }

  /** True when a copy of `app`/`id` stamped `stamp` was written before a cancel kept here. */
  supersedes(app: string, id: string, stamp: number | undefined): boolean {
    if (stamp === undefined) return false;
    this.#prune();
    const entry = this.#entries.get(`${app.toUpperCase()}/${id}`);
    return entry !== undefined && entry.stamp >= stamp;
  }

  /** The instance registered again after its cancel: nothing to keep. */
  forget(app: string, id: string): void {
    this.#entries.delete(`${app.toUpperCase()}/${id}`);
  }

  #prune(): void {
    const oldest = this.#clock.now() - this.#retentionMs;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && entry.at >= oldest) return;
      this.#entries.delete(key);
    }
  }
}
