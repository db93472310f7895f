import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ServiceInstance } from "@outrigger/discovery";
import { Counter, Gauge, type Registry } from "prom-client";
import type { EjectionMessage, HealthMessage, OutcomeMessage, PickMessage, RetryMessage } from "./channels.js";
import { lbChannels } from "./channels.js";
import { LatencyHistogram } from "./latency-histogram.js";
import { type InstanceSeries, SeriesTable } from "./metric-series.js";

/** Settings of the load balancer's Prometheus metrics. */
export interface LbMetricsOptions {
  /** The registry to register on; yours, so the metrics appear wherever you already serve `/metrics`. */
  readonly registry: Registry;
  /** Metric name prefix (default "outrigger_lb_"). */
  readonly prefix?: string;
  /** Latency buckets in seconds (default: 1 ms to 10 s, enough to tell a slow instance from a dead one). */
  readonly buckets?: readonly number[];
}

/** The metrics handle; `close()` stops recording (the metrics stay registered). */
export interface LbMetrics {
  close(): void;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OUTCOMES = ["success", "failure", "cancelled"] as const;

/**
 * Answers the three questions about every call a balancer makes — how many, how long, how many failed — as
 * Prometheus metrics: requests by service/instance/outcome, an attempt latency histogram, retries, ejections and
 * requests in flight. It listens on the `outrigger:lb:*` diagnostics channels, so it sees every balancer and
 * axios client in the process. The request path only bumps plain numbers in a per-instance record; prom-client
 * reads them when scraped (hashing label sets per request cost ~3 µs a pick). Label values are redacted
 * (`redactSecrets`), so a credential in an instance id never reaches a scrape.
 */
export function createLbMetrics(options: LbMetricsOptions): LbMetrics {
  const prefix = options.prefix ?? "outrigger_lb_";
  const registers = [options.registry];
  const bounds = [...(options.buckets ?? BUCKETS)].map((s) => s * 1000);
  const table = new SeriesTable(bounds);
  new Counter({
    name: `${prefix}requests_total`,
    help: "Attempts sent by the client-side load balancer, by service, instance and outcome.",
    labelNames: ["service", "instance", "outcome"],
    registers,
    collect() {
      this.reset();
      for (const s of table.all()) {
        OUTCOMES.forEach((outcome, i) => {
          const n = s.requests[i] as number;
          if (n > 0) this.inc({ service: s.service, instance: s.instance, outcome }, n);
        });
      }
    },
  });
  new Gauge({
    name: `${prefix}active_requests`,
    help: "Requests in flight, by service and instance.",
    labelNames: ["service", "instance"],
    registers,
    collect() {
      for (const s of table.all()) this.set({ service: s.service, instance: s.instance }, s.active);
    },
  });
  options.registry.registerMetric(
    new LatencyHistogram(
      `${prefix}request_duration_seconds`,
      "Round-trip time of each attempt, by service and outcome.",
      table,
    ).asMetric(),
  );
  const retries = new Counter({
    name: `${prefix}retries_total`,
    help: "Attempts retried on another instance, by service and reason.",
    labelNames: ["service", "reason"],
    registers,
  });
  const ejections = new Counter({
    name: `${prefix}ejections_total`,
    help: "Instances ejected by outlier detection, by service, instance and reason.",
    labelNames: ["service", "instance", "reason"],
    registers,
  });
  const healthChanges = new Counter({
    name: `${prefix}health_changes_total`,
    help: "Instances active health checks marked unhealthy or healthy again, by service, instance and new state.",
    labelNames: ["service", "instance", "state"],
    registers,
  });

  const labels = (instance: ServiceInstance): InstanceSeries => table.of(instance);
  const onPick = (message: unknown): void => {
    labels((message as PickMessage).instance).active++;
  };
  const onOutcome = (message: unknown): void => {
    const { instance, outcome } = message as OutcomeMessage;
    const s = labels(instance);
    if (s.active > 0) s.active--;
    if (outcome.kind === "success") table.record(s, 0, outcome.rttMs);
    else if (outcome.kind === "failure") table.record(s, 1, outcome.rttMs);
    else s.requests[2] = (s.requests[2] as number) + 1;
  };
  const onRetry = (message: unknown): void => {
    const m = message as RetryMessage;
    retries.inc({ service: table.label(m.service), reason: m.reason });
  };
  const onEjection = (message: unknown): void => {
    const m = message as EjectionMessage;
    const s = labels(m.instance);
    ejections.inc({ service: s.service, instance: s.instance, reason: m.reason });
  };
  const onHealth = (message: unknown): void => {
    const m = message as HealthMessage;
    const s = labels(m.instance);
    healthChanges.inc({ service: s.service, instance: s.instance, state: m.healthy ? "healthy" : "unhealthy" });
  };
  const listeners: Array<[string, (message: unknown) => void]> = [
    [lbChannels.pick.name as string, onPick],
    [lbChannels.outcome.name as string, onOutcome],
    [lbChannels.retry.name as string, onRetry],
    [lbChannels.ejection.name as string, onEjection],
    [lbChannels.health.name as string, onHealth],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);
  return {
    close() {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
    },
  };
}
