import type { Counter, Meter } from "@opentelemetry/api";
import { COUNTERS, type CounterName, type MetricSink } from "./metric-sink.js";
import { DURATION_BUCKETS } from "./semconv.js";

/**
 * The metrics as OpenTelemetry instruments on `meter`: the `http.client.request.duration` histogram (unit `s`,
 * the convention's bucket boundaries as advice, http-metrics.md) and one monotonic counter per Outrigger counter.
 */
export function otelSink(meter: Meter): MetricSink {
  const histogram = meter.createHistogram("http.client.request.duration", {
    unit: "s",
    description: "Duration of HTTP client requests (each attempt of a load-balanced call).",
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  const counters = {} as Record<CounterName, Counter>;
  for (const key of Object.keys(COUNTERS) as CounterName[]) {
    const { name, help } = COUNTERS[key];
    counters[key] = meter.createCounter(name, { description: help, unit: `{${key === "calls" ? "call" : "event"}}` });
  }
  return {
    duration: (labels, seconds) => histogram.record(seconds, labels),
    count: (counter, labels) => counters[counter].add(1, labels),
  };
}
