import type { LiveConfig } from "@outrigger/config";
import { createConfigMetrics } from "@outrigger/config/metrics";
import { createLbMetrics } from "@outrigger/loadbalancer/metrics";
import { Counter, Gauge, Registry } from "prom-client";

/** What og's own metrics read at scrape time. */
export interface OgMetricsSources {
  readonly live: LiveConfig<unknown> | undefined;
  readonly servicesOpen: () => number;
  readonly inFlight: () => number;
  readonly draining: () => boolean;
}

/** og's Prometheus registry and the counters the rest of og bumps. */
export interface OgMetrics {
  readonly registry: Registry;
  /** A config update of the `outrigger` section was applied or refused. */
  policyUpdate(outcome: "applied" | "refused"): void;
  /** A call to the registry (register, renew, status, deregister) failed. */
  registryError(): void;
  /** This instance registered (first time, again after a registry restart, or a status change). */
  registered(reason: string): void;
  close(): void;
}

/**
 * One prom-client registry with everything og runs: the balancer's metrics (`outrigger_lb_*`), the config reloads
 * (`outrigger_config_*`, when a config directory is watched) and og's own: `outrigger_policy_updates_total{outcome}`
 * and `outrigger_policy_last_update_ok` (0 while a refused update is held back: alert on it),
 * `outrigger_registry_errors_total`, `outrigger_registrations_total{reason}`, `outrigger_inbound_in_flight`,
 * `outrigger_draining`, `outrigger_client_services_open`.
 */
export function createOgMetrics(sources: OgMetricsSources): OgMetrics {
  const registry = new Registry();
  const registers = [registry];
  const lb = createLbMetrics({ registry });
  const config = sources.live ? createConfigMetrics({ registry, live: sources.live }) : undefined;
  const updates = new Counter({
    name: "outrigger_policy_updates_total",
    help: "Updates of the outrigger config section, applied or refused (a refused one leaves the last good in force).",
    labelNames: ["outcome"],
    registers,
  });
  updates.inc({ outcome: "applied" }, 0);
  updates.inc({ outcome: "refused" }, 0);
  const lastOk = new Gauge({
    name: "outrigger_policy_last_update_ok",
    help: "1 when the newest update of the outrigger config section was applied, 0 while it is refused.",
    registers,
  });
  lastOk.set(1);
  const registryErrors = new Counter({
    name: "outrigger_registry_errors_total",
    help: "Failed calls to the registry by this instance's registrar (it keeps retrying).",
    registers,
  });
  const registrations = new Counter({
    name: "outrigger_registrations_total",
    help: "Registrations of this instance, by reason (initial, re-register after a registry restart, status).",
    labelNames: ["reason"],
    registers,
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge("outrigger_inbound_in_flight", "Inbound requests in flight.", sources.inFlight);
  gauge("outrigger_draining", "1 while this instance drains for shutdown.", () => (sources.draining() ? 1 : 0));
  gauge("outrigger_client_services_open", "Services with an open instancer and balancer.", sources.servicesOpen);
  return {
    registry,
    policyUpdate(outcome) {
      updates.inc({ outcome });
      lastOk.set(outcome === "applied" ? 1 : 0);
    },
    registryError: () => registryErrors.inc(),
    registered: (reason) => registrations.inc({ reason }),
    close() {
      lb.close();
      config?.close();
    },
  };
}
