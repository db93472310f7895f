import { checkName, durationOption } from "./errors.js";
import { parseApplication } from "./eureka-wire.js";
import { InstanceCache, type InstanceCacheOptions } from "./instance-cache.js";
import type { Instancer } from "./instancer.js";
import { RegistryAccess, type RegistryAccessOptions } from "./registry-access.js";
import { joinUrl, registryRequest } from "./registry-http.js";
import type { Snapshot } from "./service-instance.js";

/** Settings of a Eureka instancer. */
export interface EurekaInstancerOptions extends InstanceCacheOptions, RegistryAccessOptions {
  /** The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`. */
  readonly registryUrl: string;
  readonly service: string;
  /** Time between fetches (Eureka's client: 30 s). */
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

/**
 * The instances of one service from any Eureka-compatible registry, fetched whole (`GET apps/{APP}`) on an
 * interval. On any error the last good snapshot keeps serving and `onError` fires; an identical snapshot is not
 * re-published. Prefer `RegistryWatchInstancer` against an Outrigger registry and `EurekaDeltaInstancer` when one
 * client follows many services of a stock Eureka server.
 */
export class EurekaInstancer implements Instancer {
  readonly #options: EurekaInstancerOptions;
  readonly #cache: InstanceCache;
  readonly #timer: NodeJS.Timeout;
  readonly #access: RegistryAccess;
  readonly onChange;
  readonly onError;

  constructor(options: EurekaInstancerOptions) {
    checkName("service", options.service);
    this.#options = options;
    this.#access = new RegistryAccess(options.registryUrl, options);
    const pollIntervalMs = durationOption("pollIntervalMs", options.pollIntervalMs, 30_000);
    durationOption("requestTimeoutMs", options.requestTimeoutMs, 5_000);
    this.#cache = new InstanceCache(options);
    this.onChange = this.#cache.onChange;
    this.onError = this.#cache.onError;
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), pollIntervalMs);
    this.#timer.unref();
  }

  current(): Snapshot {
    return this.#cache.current();
  }

  /** The backend's last failure when it has not answered since (see `Instancer.failure`). */
  failure(): Error | undefined {
    return this.#cache.failure();
  }

  /** Resolves once the snapshot file (if any) holds the current set. */
  flush(): Promise<void> {
    return this.#cache.flush();
  }

  /** Fetches now; resolves with the new snapshot, or rejects (keeping the last good one) when the fetch fails. */
  async refresh(): Promise<Snapshot> {
    const url = joinUrl(this.#access.url, `apps/${encodeURIComponent(this.#options.service.toUpperCase())}`);
    try {
      const { status, body } = await registryRequest(url, {
        method: "GET",
        timeoutMs: this.#options.requestTimeoutMs ?? 5_000,
        access: this.#access,
      });
      // Eureka answers 404 for an application with no instances: that is an empty set, not an error.
      this.#cache.update(status === 404 ? [] : parseApplication(body));
      return this.#cache.current();
    } catch (error) {
      this.#cache.fail(error as Error);
      throw error;
    }
  }

  close(): void {
    this.#cache.close();
    clearInterval(this.#timer);
    void this.#access.close();
  }
}
