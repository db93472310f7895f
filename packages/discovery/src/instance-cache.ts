import { EventSource } from "@outrigger/core";
import { DiscoveryError, isDiscoveryError } from "./errors.js";
import { type InstanceFilter, onlyUp } from "./filters.js";
import type { Instancer } from "./instancer.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";
import { DEFAULT_MAX_SNAPSHOT_BYTES, readSnapshotFile, writeSnapshotFile } from "./snapshot-file.js";

/** Settings shared by every instancer that publishes through an InstanceCache. */
export interface InstanceCacheOptions {
  /** Which instances to publish (default `onlyUp`). */
  readonly filter?: InstanceFilter;
  /**
   * A file to keep the last published snapshot in. Written atomically (temp file + rename) on each change and read
   * at start, so a client that starts while the registry is unreachable serves the last known fleet.
   */
  readonly snapshotFile?: string;
  /** Largest snapshot file read at start, in bytes (default 16 MiB); a larger one is refused unread. */
  readonly maxSnapshotBytes?: number;
}

function byId(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The de-duplicating cache between a backend and its subscribers (go-kit's `sd` cache). Backends call `update()`
 * with the whole set they saw and `fail()` when they could not see it; subscribers get whole snapshots, never an
 * identical one twice, and a failure never empties the set: the last good one keeps serving.
 */
export class InstanceCache implements Instancer {
  readonly #filter: InstanceFilter;
  readonly #snapshotFile: string | undefined;
  readonly #changes = new EventSource<Snapshot>();
  readonly #errors = new EventSource<Error>();
  #snapshot: Snapshot = { instances: [] };
  #key = "[]";
  #writes: Promise<void> = Promise.resolve();
  /** The newest set not yet written (older ones are skipped), and whether a write is running. */
  #pendingWrite: readonly ServiceInstance[] | undefined;
  #writing = false;
  #closed = false;
  /** True while the published set comes from the snapshot file and no backend answer has replaced it yet. */
  #fromDisk = false;
  /** The last failure with no answer since (see `Instancer.failure`). */
  #failure: Error | undefined;

  /** Fires with each new, different snapshot. */
  readonly onChange = this.#changes.event;
  /** Fires on each backend failure; the current snapshot keeps serving. */
  readonly onError = this.#errors.event;

  constructor(options: InstanceCacheOptions = {}) {
    this.#filter = options.filter ?? onlyUp;
    this.#snapshotFile = options.snapshotFile;
    if (this.#snapshotFile === undefined) return;
    const maxBytes = options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new DiscoveryError(
        "DISCOVERY_INVALID_OPTION",
        `maxSnapshotBytes must be a whole number ≥ 1, got ${String(maxBytes)}`,
      );
    }
    // Nobody can listen yet inside the constructor: problems are reported on the next turn.
    const later = (error: Error) => setImmediate(() => this.#errors.emit(error));
    try {
      const saved = readSnapshotFile(this.#snapshotFile, maxBytes);
      if (saved) {
        this.#publish(saved.instances, false);
        this.#fromDisk = true;
        const dropped = saved.total - saved.instances.length;
        if (dropped > 0) {
          later(
            new DiscoveryError(
              "DISCOVERY_SNAPSHOT_FAILED",
              `Snapshot file ${this.#snapshotFile}: ${dropped} of ${saved.total} entries have no valid id, host, port or status and were not published`,
            ),
          );
        }
      }
    } catch (error) {
      later(error as Error);
    }
  }

  current(): Snapshot {
    return this.#snapshot;
  }

  /** True while serving what the snapshot file held, before any backend answered. */
  get fromDisk(): boolean {
    return this.#fromDisk;
  }

  /** Takes the whole set a backend saw; publishes it when it differs from the current one. Returns true if so. */
  update(instances: readonly ServiceInstance[]): boolean {
    if (this.#closed) return false;
    this.#fromDisk = false;
    this.#failure = undefined;
    return this.#publish(instances, true);
  }

  /** Reports a backend failure; the last good snapshot keeps serving. */
  fail(error: Error): void {
    if (this.#closed) return;
    this.#failure = error;
    this.#errors.emit(error);
  }

  /** The backend's last failure when it has not answered since; undefined once it does (`Instancer.failure`). */
  failure(): Error | undefined {
    return this.#failure;
  }

  /** Resolves once every snapshot-file write started so far has finished. */
  flush(): Promise<void> {
    return this.#writes;
  }

  close(): void {
    this.#closed = true;
  }

  #publish(instances: readonly ServiceInstance[], persist: boolean): boolean {
    const accepted = instances.filter(this.#filter).sort(byId);
    const key = JSON.stringify(accepted);
    if (key === this.#key) return false;
    this.#key = key;
    this.#snapshot = { instances: accepted };
    if (persist) this.#persist(accepted);
    this.#changes.emit(this.#snapshot);
    return true;
  }

  #persist(instances: readonly ServiceInstance[]): void {
    const path = this.#snapshotFile;
    if (path === undefined) return;
    // One write at a time, and only the newest set waits: a fleet changing faster than the disk writes (or a slow
    // mount) used to queue one whole-set write per change, without bound in memory and time. An older snapshot can
    // still never rename over a newer one.
    const idle = this.#pendingWrite === undefined && !this.#writing;
    this.#pendingWrite = instances;
    if (idle) this.#writes = this.#drainWrites(path);
  }

  async #drainWrites(path: string): Promise<void> {
    this.#writing = true;
    try {
      for (let next = this.#pendingWrite; next !== undefined; next = this.#pendingWrite) {
        this.#pendingWrite = undefined;
        await writeSnapshotFile(path, next).catch((error: unknown) => {
          this.#errors.emit(
            isDiscoveryError(error)
              ? error
              : new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", `Cannot write snapshot file ${path}`, { cause: error }),
          );
        });
      }
    } finally {
      this.#writing = false;
    }
  }
}
