import { EventSource } from "@outrigger/core";
import { sleep } from "./backoff.js";
import { CachedInstancer } from "./cached-instancer.js";
import { checkName, DiscoveryError, durationOption, isDiscoveryError } from "./errors.js";
import { type ApplicationsEntry, appsHashCode, parseApplications } from "./eureka-wire.js";
import type { InstanceCacheOptions } from "./instance-cache.js";
import { RegistryAccess, type RegistryAccessOptions } from "./registry-access.js";
import { joinUrl, registryRequest } from "./registry-http.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";

/** Answers to `apps/delta` that mean "fetch everything instead": a refusal (403) or any status but 200. */
const REFUSALS: ReadonlySet<string> = new Set(["DISCOVERY_UNAUTHORIZED", "DISCOVERY_REGISTRY_REJECTED"]);

/** Settings of a delta-polling Eureka instancer. */
export interface EurekaDeltaInstancerOptions extends InstanceCacheOptions, RegistryAccessOptions {
  /** The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`. */
  readonly registryUrl: string;
  readonly service: string;
  /** Time between delta fetches (Eureka's client: 30 s). Must be well under the registry's delta window (3 min). */
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
}

/** Why a sync fetched the whole registry (see `DeltaSync`). */
export type FullFetchReason = "initial" | "hashcode-mismatch" | "delta-refused";

/** What one sync did: a whole-registry fetch, or a delta applied on top of the local copy. */
export interface DeltaSync {
  readonly kind: "full" | "delta";
  /**
   * For a full fetch, why: the first fetch; the local copy's hash code disagreed with the registry's; or the
   * registry refused the delta (a stock Eureka server answers `apps/delta` 403 with `eureka.disableDelta`).
   */
  readonly reason?: FullFetchReason;
}

/**
 * One service's instances from a stock Eureka server the way Eureka's own client follows it: one full fetch, then
 * `GET apps/delta` on an interval, applied to a local copy of the whole registry. After each delta the copy's
 * `apps__hashcode` is compared with the registry's; on a mismatch (a missed delta, a registry restart) the client
 * fetches everything again. The last good set keeps serving on errors.
 */
export class EurekaDeltaInstancer extends CachedInstancer {
  readonly #options: EurekaDeltaInstancerOptions;
  readonly #synced = new EventSource<DeltaSync>();
  readonly #stop = new AbortController();
  readonly #access: RegistryAccess;
  /** The whole registry as last seen, keyed by `APP/instanceId`: the hash code covers every application. */
  #all: Map<string, ServiceInstance> | undefined;
  /** Fires after each successful sync, so operators can see how often reconciliation falls back to full fetches. */
  readonly onSync = this.#synced.event;

  constructor(options: EurekaDeltaInstancerOptions) {
    checkName("service", options.service);
    super(options);
    this.#options = options;
    this.#access = new RegistryAccess(options.registryUrl, options);
    durationOption("pollIntervalMs", options.pollIntervalMs, 30_000);
    durationOption("requestTimeoutMs", options.requestTimeoutMs, 5_000);
    void this.#loop();
  }

  /** Syncs now (a delta, or a full fetch when needed); rejects on failure, keeping the last good set. */
  async refresh(): Promise<Snapshot> {
    try {
      if (!this.#all) await this.#full("initial");
      else await this.#delta();
      return this.cache.current();
    } catch (error) {
      this.cache.fail(error as Error);
      throw error;
    }
  }

  override close(): void {
    this.#stop.abort();
    void this.#access.close();
    super.close();
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await this.refresh().catch(() => {});
      await sleep(this.#options.pollIntervalMs ?? 30_000, this.#stop.signal);
    }
  }

  async #fetch(path: string): Promise<ReturnType<typeof parseApplications>> {
    const { status, body } = await registryRequest(joinUrl(this.#access.url, path), {
      method: "GET",
      timeoutMs: this.#options.requestTimeoutMs ?? 5_000,
      signal: this.#stop.signal,
      access: this.#access,
    });
    if (status !== 200) {
      throw new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", `GET ${path} answered ${status}`);
    }
    return parseApplications(body);
  }

  async #full(reason: FullFetchReason): Promise<void> {
    const { entries } = await this.#fetch("apps");
    this.#all = new Map(entries.map((e) => [keyOf(e), e.instance]));
    this.#publish();
    this.#synced.emit({ kind: "full", reason });
  }

  async #delta(): Promise<void> {
    const all = this.#all as Map<string, ServiceInstance>;
    let delta: ReturnType<typeof parseApplications>;
    try {
      delta = await this.#fetch("apps/delta");
    } catch (error) {
      // Eureka's client (DiscoveryClient.getAndUpdateDelta) takes any answer but 200 as "the server does not allow
      // the delta" and fetches everything: a server started with eureka.disableDelta, or one still warming up,
      // answers apps/delta 403 (ApplicationsResource.getContainerDifferential). Retrying the delta forever would
      // freeze the set; a full fetch refused as well is the error to report.
      if (!isDiscoveryError(error) || !REFUSALS.has(error.code)) throw error;
      return this.#full("delta-refused");
    }
    const { hashcode, entries } = delta;
    const next = new Map(all);
    for (const entry of entries) {
      if (entry.action === "DELETED") next.delete(keyOf(entry));
      else next.set(keyOf(entry), entry.instance); // ADDED and MODIFIED both carry the whole instance
    }
    if (appsHashCode(next.values()) !== hashcode) return this.#full("hashcode-mismatch");
    this.#all = next;
    this.#publish();
    this.#synced.emit({ kind: "delta" });
  }

  #publish(): void {
    const app = this.#options.service.toUpperCase();
    const mine = [...(this.#all?.entries() ?? [])].filter(([key]) => key.startsWith(`${app}/`)).map(([, i]) => i);
    this.cache.update(mine);
  }
}

function keyOf(entry: ApplicationsEntry): string {
  return `${entry.app}/${entry.instance.id}`;
}
