import { parseApplication } from "./eureka-wire.js";
import { EventSource } from "./event.js";
import type { Instancer } from "./instancer.js";
import { joinUrl, registryRequest } from "./registry-http.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";

/** Settings of a Eureka instancer. */
export interface EurekaInstancerOptions {
  /** The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`. */
  readonly registryUrl: string;
  readonly service: string;
  /** Time between fetches (Eureka's client: 30 s). */
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  const key = (list: readonly ServiceInstance[]) => JSON.stringify([...list].sort((x, y) => x.id.localeCompare(y.id)));
  return a.length === b.length && key(a) === key(b);
}

/**
 * The instances of one service from a Eureka-compatible registry, fetched on an interval. On any error the last
 * good snapshot keeps serving and `onError` fires; an identical snapshot is not re-published.
 */
export class EurekaInstancer implements Instancer {
  readonly #options: EurekaInstancerOptions;
  readonly #changes = new EventSource<Snapshot>();
  readonly #errors = new EventSource<Error>();
  #snapshot: Snapshot = { instances: [] };
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly onChange = this.#changes.event;
  readonly onError = this.#errors.event;

  constructor(options: EurekaInstancerOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), options.pollIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  current(): Snapshot {
    return this.#snapshot;
  }

  /** Fetches now; resolves with the new snapshot, or rejects (keeping the last good one) when the fetch fails. */
  async refresh(): Promise<Snapshot> {
    const url = joinUrl(this.#options.registryUrl, `apps/${encodeURIComponent(this.#options.service.toUpperCase())}`);
    try {
      const { status, body } = await registryRequest(url, {
        method: "GET",
        timeoutMs: this.#options.requestTimeoutMs ?? 5_000,
      });
      // Eureka answers 404 for an application with no instances: that is an empty set, not an error.
      const instances = status === 404 ? [] : parseApplication(body);
      if (!this.#closed && !sameInstances(instances, this.#snapshot.instances)) {
        this.#snapshot = { instances };
        this.#changes.emit(this.#snapshot);
      }
      return this.#snapshot;
    } catch (error) {
      this.#errors.emit(error as Error);
      throw error;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }
}
