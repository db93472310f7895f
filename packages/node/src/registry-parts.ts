import { networkInterfaces } from "node:os";
import { EurekaRegistrar, type Instancer, type Registrar, RegistryWatchInstancer } from "@outrigger/discovery";
import { ConsulInstancer, ConsulRegistrar } from "@outrigger/discovery/consul";
import type { Dispatcher } from "undici";
import type { ResolvedOutriggerConfig } from "./config-schema.js";

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

/** The instancer of `service` on the configured registry (its requests through `dispatcher`, og's own agent): the Outrigger watch (milliseconds), or Consul's. */
export function makeInstancer(
  registry: RegistrySection,
  service: string,
  dispatcher: Dispatcher,
  snapshotFile?: string,
): Instancer {
  if (registry.kind === "consul") return new ConsulInstancer({ consul: consulAddress(registry), service });
  return new RegistryWatchInstancer({
    ...(snapshotFile ? { snapshotFile } : {}),
    registryUrl: registryUrl(registry),
    service,
    waitMs: registry.watchWaitMs,
    dispatcher,
    ...(registry.token ? { token: registry.token } : {}),
  });
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
