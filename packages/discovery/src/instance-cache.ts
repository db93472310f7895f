import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { DiscoveryError } from "./errors.js";
import { EventSource } from "./event.js";
import { type InstanceFilter, onlyUp } from "./filters.js";
import type { Instancer } from "./instancer.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";

/** Settings shared by every instancer that publishes through an InstanceCache. */
export interface InstanceCacheOptions {
  /** Which instances to publish (default `onlyUp`). */
  readonly filter?: InstanceFilter;
  /**
   * A file to keep the last published snapshot in. Written atomically (temp file + rename) on each change and read
   * at start, so a client that starts while the registry is unreachable serves the last known fleet.
   */
  readonly snapshotFile?: string;
}

/** How a snapshot file looks on disk: a version, so a future format can refuse an old one cleanly. */
interface SnapshotFile {
  readonly version: 1;
  readonly savedAt: string;
  readonly instances: readonly ServiceInstance[];
}

/** Numbers temp files, so two caches of one process writing the same file never share a temp file. */
let tempSequence = 0;

function byId(a: ServiceInstance, b: ServiceInstance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function readSnapshotFile(path: string): readonly ServiceInstance[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined; // first start: nothing saved yet
    throw new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", `Cannot read snapshot file ${path}: check its permissions`, {
      cause,
    });
  }
  let parsed: Partial<SnapshotFile>;
  try {
    parsed = JSON.parse(text) as Partial<SnapshotFile>;
  } catch (cause) {
    throw new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", `Snapshot file ${path} is not JSON: delete it`, { cause });
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.instances)) {
    throw new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", `Snapshot file ${path} has an unknown format: delete it`);
  }
  return parsed.instances;
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
  #closed = false;
  /** True while the published set comes from the snapshot file and no backend answer has replaced it yet. */
  #fromDisk = false;

  /** Fires with each new, different snapshot. */
  readonly onChange = this.#changes.event;
  /** Fires on each backend failure; the current snapshot keeps serving. */
  readonly onError = this.#errors.event;

  constructor(options: InstanceCacheOptions = {}) {
    this.#filter = options.filter ?? onlyUp;
    this.#snapshotFile = options.snapshotFile;
    if (this.#snapshotFile === undefined) return;
    try {
      const saved = readSnapshotFile(this.#snapshotFile);
      if (saved) {
        this.#publish(saved, false);
        this.#fromDisk = true;
      }
    } catch (error) {
      // Nobody can listen yet inside the constructor: report on the next turn, and start empty.
      setImmediate(() => this.#errors.emit(error as Error));
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
    return this.#publish(instances, true);
  }

  /** Reports a backend failure; the last good snapshot keeps serving. */
  fail(error: Error): void {
    if (!this.#closed) this.#errors.emit(error);
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
    const file: SnapshotFile = { version: 1, savedAt: new Date().toISOString(), instances };
    // Writes are chained so an older snapshot can never rename over a newer one.
    this.#writes = this.#writes.then(async () => {
      tempSequence += 1;
      const temp = `${path}.${process.pid}.${tempSequence}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(file));
        await rename(temp, path); // atomic on POSIX: readers see the old file or the new one, never half of one
      } catch (cause) {
        this.#errors.emit(
          new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", `Cannot write snapshot file ${path}: check the directory`, {
            cause,
          }),
        );
      }
    });
  }
}
