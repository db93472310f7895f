import { followAbort } from "@outrigger/core";
import { type HoldTimer, HoldTimers } from "./hold-timers.js";

/** What held requests wait on: anything that may have moved an index. */
export interface ChangeFeed {
  onChange(listener: () => void): () => void;
}

/**
 * Waiters woken in one turn of the event loop; the rest follow after `setImmediate`, so a change that wakes 5 000
 * held requests lets heartbeats and other writes in between batches instead of answering all 5 000 first. Each
 * woken waiter finishes its answer (hooks, headers, socket write: about 0.1–0.2 ms) in the same turn, so 32 keep a
 * turn to a few milliseconds, well under the 20 ms heartbeat goal (issue 15 item 3).
 */
export const WAKE_BATCH = 32;

interface Waiter {
  readonly resolve: () => void;
  group: Group | undefined;
  timer: HoldTimer | undefined;
  unfollow: () => void;
}

interface Group {
  readonly key: string;
  readonly holds: () => boolean;
  readonly waiters: Set<Waiter>;
}

/**
 * The held requests of one change feed (the Consul index, or the registry for Outrigger watches), grouped by what
 * they wait for: one subscription to the feed in all (taken while anyone waits), one check per group on a change
 * (not one per waiter), one timer for every hold end (`HoldTimers`), and at most one listener per request signal,
 * taken off when the wait ends. Woken waiters are released `batch` at a time with `setImmediate` in between.
 */
export class WaitRoom {
  readonly #feed: ChangeFeed;
  readonly #batch: number;
  readonly #timers: HoldTimers;
  readonly #groups = new Map<string, Group>();
  readonly #woken: Waiter[] = [];
  #wokenHead = 0;
  #draining = false;
  #unsubscribe: (() => void) | undefined;
  #size = 0;

  constructor(feed: ChangeFeed, options: { batch?: number; timers?: HoldTimers } = {}) {
    this.#feed = feed;
    this.#batch = Math.max(1, options.batch ?? WAKE_BATCH);
    this.#timers = options.timers ?? new HoldTimers();
  }

  /** Requests held now (woken ones not yet released included). */
  get size(): number {
    return this.#size;
  }

  /**
   * Resolves once `holds()` is false after a change, when `holdMs` ends, or when `signal` aborts. Every waiter with
   * the same `key` shares one `holds` (the first one's), so the key must name everything `holds` depends on (what
   * is watched and the index the client sent).
   */
  wait(key: string, holds: () => boolean, holdMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || !holds()) return Promise.resolve();
    return new Promise((resolve) => {
      let group = this.#groups.get(key);
      if (!group) {
        group = { key, holds, waiters: new Set() };
        this.#groups.set(key, group);
      }
      const waiter: Waiter = { resolve, group, timer: undefined, unfollow: noop };
      group.waiters.add(waiter);
      this.#size += 1;
      waiter.timer = this.#timers.add(holdMs, () => this.#release(waiter));
      waiter.unfollow = followAbort(signal, () => this.#release(waiter));
      this.#unsubscribe ??= this.#feed.onChange(this.#changed);
    });
  }

  /** Releases every waiter now (server closing) and stops the timer. */
  close(): void {
    for (const group of [...this.#groups.values()]) for (const waiter of [...group.waiters]) this.#release(waiter);
    for (let i = this.#wokenHead; i < this.#woken.length; i += 1) this.#release(this.#woken[i] as Waiter);
    this.#woken.length = 0;
    this.#wokenHead = 0;
    this.#timers.close();
  }

  readonly #changed = (): void => {
    for (const group of this.#groups.values()) {
      if (group.holds()) continue;
      this.#groups.delete(group.key);
      for (const waiter of group.waiters) {
        waiter.group = undefined;
        this.#woken.push(waiter);
      }
    }
    if (!this.#draining) this.#drain();
  };

  /** Releases one batch of woken waiters, and schedules the next. */
  readonly #drain = (): void => {
    this.#draining = false;
    const end = Math.min(this.#woken.length, this.#wokenHead + this.#batch);
    while (this.#wokenHead < end) {
      const waiter = this.#woken[this.#wokenHead] as Waiter;
      this.#woken[this.#wokenHead] = undefined as unknown as Waiter;
      this.#wokenHead += 1;
      this.#release(waiter);
    }
    if (this.#wokenHead < this.#woken.length) {
      this.#draining = true;
      setImmediate(this.#drain);
    } else {
      this.#woken.length = 0;
      this.#wokenHead = 0;
    }
  };

  /** Ends one wait (idempotent): off its group, its timer and its signal; the room unsubscribes when empty. */
  #release(waiter: Waiter): void {
    if (waiter.timer === undefined) return;
    this.#timers.cancel(waiter.timer);
    waiter.timer = undefined;
    waiter.unfollow();
    const group = waiter.group;
    if (group) {
      group.waiters.delete(waiter);
      if (group.waiters.size === 0 && this.#groups.get(group.key) === group) this.#groups.delete(group.key);
      waiter.group = undefined;
    }
    this.#size -= 1;
    if (this.#size === 0 && this.#unsubscribe) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
    }
    waiter.resolve();
  }
}

const noop = (): void => undefined;
