import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { EjectionMessage, HealthMessage, OutcomeMessage, PickMessage, RetryMessage } from "./channels.js";
import { lbChannels } from "./channels.js";

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

const outcomeLabel = (m: OutcomeMessage): string =>
  m.outcome.cancelled ? "cancelled" : m.outcome.ok ? "success" : "failure";

/**
 * Answers the three questions about every call a balancer makes — how many, how long, how many failed — as
 * Prometheus metrics: requests by service/instance/outcome, an attempt latency histogram, retries, ejections and
 * requests in flight. It listens on the `outrigger:lb:*` diagnostics channels, so it sees every balancer and
 * axios client in the process and costs nothing on the request path beyond a counter increment.
 */
export function createLbMetrics(options: LbMetricsOptions): LbMetrics {
  const prefix = options.prefix ?? "outrigger_lb_";
  const registers = [options.registry];
  const requests = new Counter({
    name: `${prefix}requests_total`,
    help: "Attempts sent by the client-side load balancer, by service, instance and outcome.",
    labelNames: ["service", "instance", "outcome"],
    registers,
  });
  const latency = new Histogram({
    name: `${prefix}request_duration_seconds`,
    help: "Round-trip time of each attempt, by service and outcome.",
    labelNames: ["service", "outcome"],
    buckets: [...(options.buckets ?? BUCKETS)],
    registers,
  });
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
  const active = new Gauge({
    name: `${prefix}active_requests`,
    help: "Requests in flight, by service and instance.",
    labelNames: ["service", "instance"],
    registers,
  });

  const onPick = (message: unknown): void => {
    const { instance } = message as PickMessage;
    active.inc({ service: instance.service, instance: instance.id });
  };
  const onOutcome = (message: unknown): void => {
    const m = message as OutcomeMessage;
    const outcome = outcomeLabel(m);
    active.dec({ service: m.instance.service, instance: m.instance.id });
    requests.inc({ service: m.instance.service, instance: m.instance.id, outcome });
    if (m.outcome.rttMs !== undefined)
      latency.observe({ service: m.instance.service, outcome }, m.outcome.rttMs / 1000);
  };
  const onRetry = (message: unknown): void => {
    const m = message as RetryMessage;
    retries.inc({ service: m.service, reason: m.reason });
  };
  const onEjection = (message: unknown): void => {
    const m = message as EjectionMessage;
    ejections.inc({ service: m.instance.service, instance: m.instance.id, reason: m.reason });
  };
  const onHealth = (message: unknown): void => {
    const m = message as HealthMessage;
    const state = m.healthy ? "healthy" : "unhealthy";
    healthChanges.inc({ service: m.instance.service, instance: m.instance.id, state });
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
