import { createNoopMeter, type Meter } from "@opentelemetry/api";
import { COUNTERS, type CounterName, counterUnit, DURATION, type Labels, type MetricSink } from "./metric-sink.js";
import { DURATION_BUCKETS } from "./semconv.js";
import { SeriesByLabels } from "./series-by-labels.js";

/** The API's no-op histogram, one shared instance (what every no-op meter hands out). */
const NOOP_HISTOGRAM = createNoopMeter().createHistogram("noop");

/**
 * The metrics as OpenTelemetry instruments on `meter`: the `http.client.request.duration` histogram (unit `s`,
 * the convention's bucket boundaries as advice, http-metrics.md) and one monotonic counter per Outrigger counter.
 * Undefined when `meter` is the API's no-op meter (no MeterProvider registered): the metrics API has no proxy, so
 * nothing recorded through it could ever be exported, and the request path is spared the work.
 */
export function otelSink(meter: Meter): MetricSink | undefined {
  const histogram = meter.createHistogram(DURATION.name, {
    unit: DURATION.unit,
    description: DURATION.description,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  if (histogram === NOOP_HISTOGRAM) return undefined;
  // Counters are observable: the request path bumps a number, the SDK reads the totals when it collects (a
  // synchronous counter would hash its attributes on every call, as much again as the histogram).
  const counters = {} as Record<CounterName, SeriesByLabels<{ labels: Labels; value: number }>>;
  for (const key of Object.keys(COUNTERS) as CounterName[]) {
    const { name, help } = COUNTERS[key];
    const series = new SeriesByLabels((labels) => ({ labels, value: 0 }));
    counters[key] = series;
    meter.createObservableCounter(name, { description: help, unit: counterUnit(key) }).addCallback((result) => {
      for (const { labels, value } of series.all()) result.observe(value, labels);
    });
  }
  return {
    duration: (labels, seconds) => histogram.record(seconds, labels),
    count: (counter, labels) => {
      counters[counter].of(labels).value++;
    },
  };
}
