import { InstanceCache, type InstanceCacheOptions } from "./instance-cache.js";
import type { Instancer } from "./instancer.js";
import type { Snapshot } from "./service-instance.js";

/**
 * The base of every backend that publishes through an InstanceCache: snapshots, events, the disk snapshot and
 * `close()` come from the cache, so a backend only fetches and calls `cache.update()` or `cache.fail()`.
 */
export abstract class CachedInstancer implements Instancer {
  protected readonly cache: InstanceCache;
  readonly onChange: Instancer["onChange"];
  readonly onError: Instancer["onError"];

  constructor(options: InstanceCacheOptions) {
    this.cache = new InstanceCache(options);
    this.onChange = this.cache.onChange;
    this.onError = this.cache.onError;
  }

  current(): Snapshot {
    return this.cache.current();
  }

  /** The backend's last failure when it has not answered since (see `Instancer.failure`). */
  failure(): Error | undefined {
    return this.cache.failure();
  }

  /** Resolves once the snapshot file (if any) holds the current set. */
  flush(): Promise<void> {
    return this.cache.flush();
  }

  /** Stops the cache; backends stop their own loops first, then call this. */
  close(): void {
    this.cache.close();
  }
}
