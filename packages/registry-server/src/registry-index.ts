import type { ChangeLog } from "./change-log.js";
import type { RegistryChange } from "./registry-types.js";

/**
 * The registry's index: the version that every change moves forward, each application's last change (what long
 * polls and Consul blocking queries compare), the delta window of recent changes and its listeners, and whether the
 * index spans a cluster of peers. `Registry` extends it; its writes publish to the log.
 */
export abstract class RegistryIndex {
  /** The change log: the index, the delta window, the change listeners. */
  protected readonly log: ChangeLog;
  #clustered = false;

  protected constructor(log: ChangeLog) {
    this.log = log;
  }

  /** The version of the last change to `app` (0 when it never changed); watchers of one app compare it. */
  appIndex(app: string): number {
    return this.log.appIndex(app.toUpperCase());
  }

  /** Changes of the delta window, oldest first. */
  recentChanges(): readonly RegistryChange[] {
    return this.log.recent();
  }

  /** A number that moves forward on every change and never goes back while the process runs; watchers compare it. */
  get version(): number {
    return this.log.version;
  }

  /**
   * Raises the version to at least `index` (a peer's), never lowering it, so peers that replicate to each other
   * share one never-decreasing index and the next change here numbers above anything a peer has handed out.
   * `apps` whose content is now the peer's as of `index` (copied from its full fetch) take it as their index too,
   * so a watch held here answers with the peer's number, not a lower one, when its hold ends.
   */
  mergeIndex(index: number, apps: Iterable<string> = []): void {
    this.log.merge(index, apps);
  }

  /**
   * Moves `app`'s index (and the version) without changing its instances, for what a query shows of it that the
   * registry does not hold: a lease passing its end (Consul's health turns critical). Being part of the registry's
   * index, such a move is exchanged with peers like any other (`onTouch`), so every peer answers one index.
   */
  touch(app: string): void {
    this.log.touch(app.toUpperCase());
  }

  /** Calls `listener` with the application after each `touch`; returns a function that stops it. */
  onTouch(listener: (app: string) => void): () => void {
    return this.log.onTouch(listener);
  }

  /**
   * True once this registry replicates with peers: its index is then cluster-wide (merged from every peer), so a
   * long poll holds while the index is at or below the client's, as Consul's `blockingQuery` does; a lone registry
   * answers any other index at once, so a client notices its restart.
   */
  get clustered(): boolean {
    return this.#clustered;
  }

  /** Marks this registry as one of a cluster of peers (see `clustered`). */
  joinCluster(): void {
    this.#clustered = true;
  }

  /** Calls `listener` on every change; returns a function that stops it. A throwing listener is reported only. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    return this.log.onChange(listener);
  }
}
