import { Resolver } from "node:dns/promises";
import { EventSource } from "@outrigger/core";
import { Backoff, type BackoffOptions, sleep } from "./backoff.js";
import { CachedInstancer } from "./cached-instancer.js";
import { DiscoveryError, durationOption } from "./errors.js";
import type { InstanceCacheOptions } from "./instance-cache.js";
import type { ServiceInstance } from "./service-instance.js";

/** Settings of a DNS SRV instancer. */
export interface DnsSrvInstancerOptions extends InstanceCacheOptions {
  /** The SRV name, e.g. `_http._tcp.orders.default.svc.cluster.local` (a Kubernetes headless service). */
  readonly name: string;
  /** The service name instances carry (default: the SRV name without its `_service._proto.` labels). */
  readonly service?: string;
  /** DNS servers as `ip` or `ip:port` (default: the system's). */
  readonly servers?: readonly string[];
  /** Shortest wait between lookups (default 1 s: a TTL of 0, which dnsmasq and some CoreDNS setups give, would spin). */
  readonly minRefreshMs?: number;
  /** Longest wait between lookups (default 60 s, so a long TTL cannot hide a change for long). */
  readonly maxRefreshMs?: number;
  /** Per-query timeout (default 2 s). */
  readonly timeoutMs?: number;
  /** Delays between lookups while DNS fails (default 250 ms doubling up to `maxRefreshMs`, jittered). */
  readonly backoff?: BackoffOptions;
}

/** What one lookup found: how many instances and when the next lookup is due. */
export interface DnsResolution {
  readonly instances: number;
  /** The shortest TTL among the answers, in ms. */
  readonly ttlMs: number;
  /** When the next lookup runs: the TTL clamped to [minRefreshMs, maxRefreshMs]. */
  readonly nextRefreshMs: number;
}

function serviceOf(name: string): string {
  return name.replace(/^(_[^.]+\.){1,2}/, "").split(".")[0] ?? name;
}

/**
 * One service's instances from DNS SRV records, re-resolved when the answers' TTL runs out — the Kubernetes
 * headless-service case, without a registry. Each SRV target is resolved to its address; the SRV priority and
 * weight are kept in `metadata`. `node:dns` does not expose SRV TTLs, so the refresh follows the TTL of the
 * targets' address records (in Kubernetes both come from the same service record and share a TTL). On a DNS
 * failure the last good set keeps serving and `onError` fires.
 */
export class DnsSrvInstancer extends CachedInstancer {
  readonly #options: DnsSrvInstancerOptions;
  readonly #resolver: Resolver;
  readonly #backoff: Backoff;
  readonly #resolved = new EventSource<DnsResolution>();
  readonly #stop = new AbortController();
  /** Fires after each successful lookup, with the TTL that schedules the next one. */
  readonly onResolve = this.#resolved.event;

  constructor(options: DnsSrvInstancerOptions) {
    super(options);
    this.#options = options;
    const min = durationOption("minRefreshMs", options.minRefreshMs, 1_000);
    durationOption("maxRefreshMs", options.maxRefreshMs, 60_000, min);
    this.#resolver = new Resolver({ timeout: durationOption("timeoutMs", options.timeoutMs, 2_000), tries: 2 });
    if (options.servers) this.#resolver.setServers([...options.servers]);
    this.#backoff = new Backoff({ maxMs: options.maxRefreshMs ?? 60_000, ...options.backoff });
    void this.#loop();
  }

  /** Looks up now; resolves with what was found, or rejects (keeping the last good set) when DNS fails. */
  async refresh(): Promise<DnsResolution> {
    try {
      const { instances, ttlMs } = await this.#lookup();
      const min = this.#options.minRefreshMs ?? 1_000;
      const max = this.#options.maxRefreshMs ?? 60_000;
      const resolution = { instances: instances.length, ttlMs, nextRefreshMs: Math.min(max, Math.max(min, ttlMs)) };
      this.cache.update(instances);
      this.#resolved.emit(resolution);
      return resolution;
    } catch (error) {
      this.cache.fail(error as Error);
      throw error;
    }
  }

  override close(): void {
    this.#stop.abort();
    this.#resolver.cancel();
    super.close();
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      let delay: number;
      try {
        delay = (await this.refresh()).nextRefreshMs;
        this.#backoff.reset();
      } catch {
        delay = this.#backoff.next();
      }
      await sleep(delay, this.#stop.signal);
    }
  }

  async #lookup(): Promise<{ instances: ServiceInstance[]; ttlMs: number }> {
    const { name } = this.#options;
    const service = this.#options.service ?? serviceOf(name);
    try {
      const records = await this.#resolver.resolveSrv(name);
      let ttl = Number.POSITIVE_INFINITY;
      const instances = await Promise.all(
        records.map(async (record) => {
          const [address] = await this.#resolver.resolve4(record.name, { ttl: true });
          if (address) ttl = Math.min(ttl, address.ttl);
          return {
            id: `${record.name}:${record.port}`,
            service,
            host: address?.address ?? record.name,
            port: record.port,
            secure: false,
            status: "UP" as const,
            metadata: { target: record.name, priority: String(record.priority), weight: String(record.weight) },
            ...(record.weight > 0 ? { weight: record.weight } : {}),
          };
        }),
      );
      return { instances, ttlMs: Number.isFinite(ttl) ? ttl * 1000 : 0 };
    } catch (cause) {
      throw new DiscoveryError(
        "DISCOVERY_DNS_FAILED",
        `DNS lookup of ${name} failed (${(cause as NodeJS.ErrnoException).code ?? "error"}): check the name and the DNS servers`,
        { cause },
      );
    }
  }
}
