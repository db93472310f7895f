import { Counter, Gauge, type Registry } from "prom-client";
import type { LiveConfig } from "./live-config.js";

/** Settings of a live configuration's Prometheus metrics. */
export interface ConfigMetricsOptions {
  /** The registry to register on; yours, so the metrics appear wherever you already serve `/metrics`. */
  readonly registry: Registry;
  /** The live configuration to report on. */
  readonly live: Pick<LiveConfig<unknown>, "stats">;
  /** Metric name prefix (default "outrigger_config_"). */
  readonly prefix?: string;
}

/** The metrics handle; `close()` removes the metrics from the registry. */
export interface ConfigMetrics {
  close(): void;
}

/**
 * Reload outcomes and errors of a LiveConfig as Prometheus metrics, shaped like Prometheus' own
 * `prometheus_config_last_reload_successful`: alert on `outrigger_config_last_reload_successful == 0` to learn
 * that a bad ConfigMap is being held back. Values are read from `live.stats` at scrape time, so nothing is
 * added to the reload path.
 */
export function createConfigMetrics(options: ConfigMetricsOptions): ConfigMetrics {
  const prefix = options.prefix ?? "outrigger_config_";
  const { live, registry } = options;
  const registers = [registry];
  const names = [
    `${prefix}reloads_total`,
    `${prefix}errors_total`,
    `${prefix}last_reload_successful`,
    `${prefix}last_reload_success_timestamp_seconds`,
  ] as const;
  new Counter({
    name: names[0],
    help: "Reloads of the configuration directory, by outcome: applied, unchanged, or rejected (last good kept).",
    labelNames: ["outcome"],
    registers,
    collect() {
      const { applied, unchanged, rejected } = live.stats;
      this.reset();
      this.inc({ outcome: "applied" }, applied);
      this.inc({ outcome: "unchanged" }, unchanged);
      this.inc({ outcome: "rejected" }, rejected);
    },
  });
  new Counter({
    name: names[1],
    help: "Configuration errors by code (CONFIG_INVALID, CONFIG_LOAD_FAILED, CONFIG_WATCH_FAILED, ...).",
    labelNames: ["code"],
    registers,
    collect() {
      this.reset();
      for (const [code, count] of Object.entries(live.stats.errorsByCode)) this.inc({ code }, count ?? 0);
    },
  });
  new Gauge({
    name: names[2],
    help: "1 when the newest reload was applied or changed nothing, 0 when it was rejected.",
    registers,
    collect() {
      this.set(live.stats.lastReloadOk ? 1 : 0);
    },
  });
  new Gauge({
    name: names[3],
    help: "When the configuration in use was applied, in seconds since the epoch.",
    registers,
    collect() {
      this.set(live.stats.lastAppliedAt / 1000);
    },
  });
  return {
    close() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
