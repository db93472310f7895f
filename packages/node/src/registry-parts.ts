import { networkInterfaces } from "node:os";
import {
  EurekaDeltaInstancer,
  EurekaRegistrar,
  type Instancer,
  type Registrar,
  RegistryWatchInstancer,
} from "@outrigger/discovery";
import { ConsulInstancer, ConsulRegistrar } from "@outrigger/discovery/consul";
import { Agent, type Dispatcher } from "undici";
import type { ResolvedOutriggerConfig } from "./config-schema.js";
import { WatchOrPollInstancer, type WatchSupport } from "./watch-or-poll.js";

type RegistrySection = ResolvedOutriggerConfig["registry"];

/** The registry's URL: the configured one, or the local default of its kind (Eureka's 8761, Consul's 8500). */
export function registryUrl(registry: RegistrySection): string {
  return registry.url ?? (registry.kind === "consul" ? "http://127.0.0.1:8500" : "http://127.0.0.1:8761/eureka");
}

/** Consul's agent address from its URL. */
function consulAddress(registry: RegistrySection) {
  const url = new URL(registryUrl(registry));
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    secure: url.protocol === "https:",
    ...(registry.token ? { token: registry.token } : {}),
  };
}

/** The address other services reach this instance at: the first non-internal IPv4 address, else loopback. */
export function defaultHost(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return "127.0.0.1";
}

/**
 * The instancer of `service` on the configured registry: Consul's blocking queries; on Eureka the Outrigger
 * registry's watch (milliseconds), or on a stock Eureka server (the watch answers 404; `support` remembers it for
 * the next services) Eureka's full fetch + deltas every `registry.fetchIntervalMs`. An Eureka instancer has its own
 * undici Agent, destroyed when it closes: an aborted watch in a shared agent leaves a fresh, never-used connection
 * behind that no keep-alive timer reaps (nodejs/undici#5845), one per service closed.
 */
export function makeInstancer(
  registry: RegistrySection,
  service: string,
  support: WatchSupport,
  snapshotFile?: string,
): Instancer {
  if (registry.kind === "consul") return new ConsulInstancer({ consul: consulAddress(registry), service });
  const dispatcher = new Agent();
  const access = {
    registryUrl: registryUrl(registry),
    service,
    dispatcher,
    ...(registry.token ? { token: registry.token } : {}),
    // The control plane's state directory keeps the last instances beside the last applied policy.
    ...(snapshotFile ? { snapshotFile } : {}),
  };
  return new WatchOrPollInstancer(
    () => new RegistryWatchInstancer({ ...access, waitMs: registry.watchWaitMs }),
    () =>
      new EurekaDeltaInstancer({
        ...access,
        pollIntervalMs: registry.fetchIntervalMs,
        requestTimeoutMs: registry.requestTimeoutMs,
      }),
    support,
    () => void dispatcher.destroy().catch(() => {}),
  );
}

/** What the registrar registers. */
export interface SelfDescription {
  readonly service: string;
  readonly port: number;
  readonly host: string;
  readonly zone?: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A registrar with the events both backends have. */
export type EventfulRegistrar = Registrar & Pick<EurekaRegistrar, "onError" | "onRegister">;

/** The registrar for this instance on the configured registry, with the configured heartbeat. */
export function makeRegistrar(
  registry: RegistrySection,
  self: SelfDescription,
  dispatcher: Dispatcher,
): EventfulRegistrar {
  if (registry.kind === "consul") {
    return new ConsulRegistrar({
      consul: consulAddress(registry),
      service: { name: self.service, host: self.host, port: self.port, meta: self.metadata },
      // Consul's TTL check is passed every third of its TTL: the renew interval is a third of the TTL here too.
      ttlSec: Math.max(1, Math.round((registry.renewIntervalMs * 3) / 1_000)),
      requestTimeoutMs: registry.requestTimeoutMs,
    });
  }
  return new EurekaRegistrar({
    registryUrl: registryUrl(registry),
    dispatcher,
    ...(registry.token ? { token: registry.token } : {}),
    instance: {
      app: self.service,
      host: self.host,
      port: self.port,
      ...(self.zone ? { zone: self.zone } : {}),
      metadata: self.metadata,
    },
    renewIntervalMs: registry.renewIntervalMs,
    leaseDurationSec: registry.leaseDurationSec,
    requestTimeoutMs: registry.requestTimeoutMs,
  });
}
