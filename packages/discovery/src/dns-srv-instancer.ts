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
  /** SRV targets that resolved to no address (no A or AAAA record, or no such name): left out of the set. */
  readonly unresolved: readonly string[];
}

/** c-ares' codes for a name without that record type, and for a name that does not exist. */
const ABSENT: ReadonlySet<string> = new Set(["ENODATA", "ENOTFOUND"]);

function serviceOf(name: string): string {
  return name.replace(/^(_[^.]+\.){1,2}/, "").split(".")[0] ?? name;
}

/**
 * One service's instances from DNS SRV records, re-resolved when the answers' TTL runs out — the Kubernetes
 * headless-service case, without a registry. Each SRV target is resolved to its IPv4, else IPv6, addresses; a
 * target without any is left out (`unresolved` in `onResolve`). SRV priority becomes the instance's `priority`
 * (a balancer uses the lowest level it can reach, RFC 2782) and weight its `weight` (0 as 1: RFC 2782's "very
 * small chance"); both also stay in `metadata`. `node:dns` does not expose SRV TTLs, so the refresh follows the TTL
 * of the targets' address records (in Kubernetes both come from the same service record and share a TTL). On a DNS
 * failure, or when no target resolves, the last good set keeps serving and `onError` fires.
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
      const { instances, ttlMs, unresolved } = await this.#lookup();
      const min = this.#options.minRefreshMs ?? 1_000;
      const max = this.#options.maxRefreshMs ?? 60_000;
      const nextRefreshMs = Math.min(max, Math.max(min, ttlMs));
      const resolution = { instances: instances.length, ttlMs, nextRefreshMs, unresolved };
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

  async #lookup(): Promise<{ instances: ServiceInstance[]; ttlMs: number; unresolved: string[] }> {
    const { name } = this.#options;
    const service = this.#options.service ?? serviceOf(name);
    try {
      // Lowest priority first, so a target listed twice keeps its preferred record (Go's byPriorityWeight order).
      const records = (await this.#resolver.resolveSrv(name)).sort(
        (x, y) => x.priority - y.priority || x.name.localeCompare(y.name) || x.port - y.port,
      );
      const resolved = await Promise.all(records.map(async (r) => ({ r, found: await this.#addresses(r.name) })));
      let ttl = Number.POSITIVE_INFINITY;
      const instances: ServiceInstance[] = [];
      const unresolved: string[] = [];
      const ids = new Set<string>();
      for (const { r, found } of resolved) {
        if (found.length === 0) unresolved.push(r.name);
        for (const { address, ttl: addressTtl } of found) {
          // A target is one host; a name with several addresses (not Kubernetes' per-pod names) is several, each
          // named by its address, so such a target's first address is renamed when a second one appears.
          const id = found.length === 1 ? `${r.name}:${r.port}` : `${r.name}:${r.port}@${address}`;
          if (ids.has(id)) continue;
          ids.add(id);
          ttl = Math.min(ttl, addressTtl);
          instances.push({
            id,
            service,
            host: address,
            port: r.port,
            secure: false,
            status: "UP",
            metadata: { target: r.name, priority: String(r.priority), weight: String(r.weight) },
            // RFC 2782: weight 0 has "a very small chance" beside heavier targets; as 1 it has 1/(sum+1) for one.
            weight: Math.max(r.weight, 1),
            priority: r.priority,
          });
        }
      }
      if (records.length > 0 && instances.length === 0) {
        throw new DiscoveryError(
          "DISCOVERY_DNS_FAILED",
          `None of the ${records.length} SRV targets of ${name} has an address (A or AAAA): check the targets' records`,
        );
      }
      return { instances, ttlMs: Number.isFinite(ttl) ? ttl * 1000 : 0, unresolved };
    } catch (cause) {
      if (cause instanceof DiscoveryError) throw cause;
      throw new DiscoveryError(
        "DISCOVERY_DNS_FAILED",
        `DNS lookup of ${name} failed (${(cause as NodeJS.ErrnoException).code ?? "error"}): check the name and the DNS servers`,
        { cause },
      );
    }
  }

  /**
   * A target's addresses, IPv4 (A) else IPv6 (AAAA): grpc-go's SRV resolver takes both (`LookupHost`), and an
   * IPv6-only cluster has no A records (linkerd/linkerd2-proxy#2864). A dual-stack target stays one instance. A name
   * that has neither (c-ares' ENODATA, ENOTFOUND) gives none and is skipped, as grpc-go skips it ("ignore this one
   * that does not exist"); when neither family answered, any other failure (a timeout, SERVFAIL) fails the lookup.
   */
  async #addresses(target: string): Promise<{ address: string; ttl: number }[]> {
    const [v4, v6] = await Promise.allSettled([
      this.#resolver.resolve4(target, { ttl: true }),
      this.#resolver.resolve6(target, { ttl: true }),
    ]);
    if (v4.status === "fulfilled" && v4.value.length > 0) return v4.value;
    if (v6.status === "fulfilled" && v6.value.length > 0) return v6.value;
    // Neither family answered: a failure that does not mean "no such record" fails the lookup. One family's
    // failure beside the other's addresses does not (some servers refuse AAAA queries outright).
    for (const answer of [v4, v6]) {
      if (answer.status === "rejected" && !ABSENT.has((answer.reason as NodeJS.ErrnoException)?.code ?? "")) {
        throw answer.reason;
      }
    }
    return [];
  }
}
