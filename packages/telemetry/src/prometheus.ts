import type { Registry } from "prom-client";
import { CallMetrics } from "./call-metrics.js";
import { TelemetryError } from "./errors.js";
import { COUNTERS, type CounterName, type MetricSink } from "./metric-sink.js";
import { FastCounter, FastHistogram, promLabel } from "./prometheus-histogram.js";
import { DURATION_BUCKETS } from "./semconv.js";
import { subscribeAll } from "./subscriptions.js";

/** The Prometheus export's handle; `close()` stops recording (the metrics stay registered with their values). */
export interface PrometheusTelemetry {
  close(): void;
}

/** The Prometheus name of an OpenTelemetry counter (`outrigger.lb.retries` → `outrigger_lb_retries_total`). */
const counterName = (name: string): string => `${promLabel(name)}_total`;

/**
 * Registers the request path's metrics on your prom-client `registry`, under the names the OpenTelemetry
 * Prometheus exporter gives the same instruments: `http_client_request_duration_seconds` (the HTTP metrics
 * convention's buckets and attributes, dots in label names turned into underscores) and `outrigger_lb_*_total` /
 * `outrigger_resilience_*_total` counters. Fed from `diagnostics_channel` like `instrumentOutrigger`; use one or
 * both. Throws TELEMETRY_METRIC_EXISTS when a name is already registered (e.g. `createLbMetrics` from
 * `@outrigger/loadbalancer/metrics` on the same registry, which owns `outrigger_lb_retries_total`).
 */
export function registerPrometheus(registry: Registry): PrometheusTelemetry {
  const histogram = new FastHistogram(
    "http_client_request_duration_seconds",
    "Duration of HTTP client requests (each attempt of a load-balanced call), in seconds.",
    DURATION_BUCKETS,
  );
  const names = [histogram.name, ...Object.values(COUNTERS).map((c) => counterName(c.name))];
  const taken = names.filter((name) => registry.getSingleMetric(name) !== undefined);
  if (taken.length > 0)
    throw new TelemetryError(
      "TELEMETRY_METRIC_EXISTS",
      `The registry already has ${taken.join(", ")}: register telemetry's metrics on another registry, or drop ` +
        "the other source (createLbMetrics owns outrigger_lb_retries_total and outrigger_lb_ejections_total)",
    );
  registry.registerMetric(histogram.asMetric());
  const counters = {} as Record<CounterName, FastCounter>;
  for (const key of Object.keys(COUNTERS) as CounterName[]) {
    const { name, help } = COUNTERS[key];
    counters[key] = new FastCounter(counterName(name), help);
    registry.registerMetric(counters[key].asMetric());
  }
  const sink: MetricSink = {
    duration: (labels, seconds) => histogram.observe(labels, seconds),
    count: (counter, labels) => counters[counter].inc(labels),
  };
  return { close: subscribeAll(new CallMetrics(sink).listeners()) };
}
