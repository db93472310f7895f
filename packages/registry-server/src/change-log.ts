import { EventSource, type ListenerErrorHandler } from "@outrigger/core";
import type { Clock } from "./clock.js";
import type { Lease, RegistryChange, WriteOrigin } from "./registry-types.js";

/**
 * The registry's numbering of changes and its delta window: a version that only moves forward, each application's
 * index (the version of its last change), the changes of the last `retentionMs` (at most `maxEntries`) for
 * `apps/delta`, and the listeners told of each change or touch. The lease store (`Registry`) decides what a write
 * is; this records that it happened.
 */
export class ChangeLog {
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxEntries: number;
  readonly #changes: EventSource<RegistryChange>;
  readonly #touches: EventSource<string>;
  readonly #appIndex = new Map<string, number>();
  readonly #recent: RegistryChange[] = [];
  /** Changes before this index have left the delta window; the array is compacted now and then, not per change. */
  #recentHead = 0;
  #version = 0;

  constructor(clock: Clock, retentionMs: number, maxEntries: number, onListenerError?: ListenerErrorHandler) {
    this.#clock = clock;
    this.#retentionMs = retentionMs;
    this.#maxEntries = maxEntries;
    this.#changes = new EventSource(onListenerError);
    this.#touches = new EventSource(onListenerError);
  }

  /** The version of the last change; see `Registry.version`. */
  get version(): number {
    return this.#version;
  }

  /** The version of the last change to `app` (upper-cased by the caller; 0 when it never changed). */
  appIndex(app: string): number {
    return this.#appIndex.get(app) ?? 0;
  }

  /** Changes of the delta window, oldest first. */
  recent(): readonly RegistryChange[] {
    this.#prune();
    return this.#recent.slice(this.#recentHead);
  }

  /** Raises the version, and each of `apps`' indexes, to at least `index`; see `Registry.mergeIndex`. */
  merge(index: number, apps: Iterable<string>): void {
    if (!Number.isSafeInteger(index)) return;
    if (index > this.#version) this.#version = index;
    for (const app of apps) {
      const name = app.toUpperCase();
      if (index > (this.#appIndex.get(name) ?? 0)) this.#appIndex.set(name, index);
    }
  }

  /** Moves `app`'s index without a change and tells the touch listeners; see `Registry.touch`. */
  touch(app: string): void {
    this.#version += 1;
    this.#appIndex.set(app, this.#version);
    this.#touches.emit(app);
  }

  /** Numbers a change, keeps it for the delta window and tells the change listeners. */
  publish(action: RegistryChange["action"], lease: Lease, origin: WriteOrigin): void {
    this.#version += 1;
    const change: RegistryChange = { version: this.#version, action, lease, origin };
    this.#appIndex.set(lease.info.app, this.#version);
    this.#recent.push(change);
    this.#prune();
    this.#changes.emit(change);
  }

  /** Calls `listener` on every change; returns a function that stops it. A throwing listener is reported only. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    const subscription = this.#changes.event(listener);
    return () => subscription.dispose();
  }

  /** Calls `listener` with the application after each touch; returns a function that stops it. */
  onTouch(listener: (app: string) => void): () => void {
    const subscription = this.#touches.event(listener);
    return () => subscription.dispose();
  }

  #prune(): void {
    const oldest = this.#clock.now() - this.#retentionMs;
    const recent = this.#recent;
    let head = Math.max(this.#recentHead, recent.length - this.#maxEntries);
    while (head < recent.length && (recent[head] as RegistryChange).lease.lastUpdatedAt < oldest) head += 1;
    // Dropped changes are released in one splice once they are half the array: O(1) per change on average.
    if (head > 0 && head * 2 >= recent.length) {
      recent.splice(0, head);
      head = 0;
    }
    this.#recentHead = head;
  }
}
