import { type HrTime, ValueType } from "@opentelemetry/api";
import type {
  AggregationTemporality,
  CollectionResult,
  DataPointType,
  HistogramMetricData,
  MetricData,
  MetricProducer,
  SumMetricData,
} from "@opentelemetry/sdk-metrics";
import { CallMetrics } from "./call-metrics.js";
import { SCOPE, VERSION } from "./instrument.js";
import { COUNTERS, type CounterName, counterUnit, DURATION, type MetricSink } from "./metric-sink.js";
import { FastCounter, FastHistogram } from "./prometheus-histogram.js";
import { DURATION_BUCKETS } from "./semconv.js";
import { subscribeAll } from "./subscriptions.js";

// The SDK's enum values (sdk-metrics export/MetricData.ts, export/AggregationTemporality.ts), written out so the
// package needs @opentelemetry/sdk-metrics for its types only: the application that reads metrics brings it.
const HISTOGRAM = 0 as DataPointType.HISTOGRAM;
const SUM = 3 as DataPointType.SUM;
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;

/**
 * An empty resource: `MetricReader.collect` keeps its own SDK's resource and takes only the scope metrics of an
 * additional producer (sdk-metrics export/MetricReader.ts, "Merge the results, keeping the SDK's Resource").
 */
const NO_RESOURCE: CollectionResult["resourceMetrics"]["resource"] = {
  attributes: {},
  merge: (other) => other ?? NO_RESOURCE,
  getRawAttributes: () => [],
};

/** A wall-clock time as the SDK writes it: [seconds, nanoseconds]. */
function hrNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** The producer's handle: hand it to your `MetricReader` (`metricProducers: [producer]`); `close()` stops recording. */
export interface OutriggerMetricProducer extends MetricProducer {
  /** Unsubscribes from Outrigger's channels; what was recorded is still collected. Safe to call twice. */
  close(): void;
}

/**
 * The aggregation itself, without subscribing: the sink the request path feeds (series per label object, buckets
 * bumped in a typed array: prom-client's path, attribute names kept) and the collect that turns the series into
 * the SDK's cumulative data points. Split from `createMetricProducer` so tests can feed it beside the instruments.
 */
export function producerAggregation(): { sink: MetricSink; collect: () => Promise<CollectionResult> } {
  const keep = (name: string) => name;
  const histogram = new FastHistogram(DURATION.name, DURATION.description, DURATION_BUCKETS, keep);
  const counters = {} as Record<CounterName, FastCounter>;
  for (const key of Object.keys(COUNTERS) as CounterName[])
    counters[key] = new FastCounter(COUNTERS[key].name, COUNTERS[key].help, keep);
  const startTime = hrNow();
  const sink: MetricSink = {
    duration: (labels, seconds) => histogram.observe(labels, seconds),
    count: (counter, labels) => counters[counter].inc(labels),
  };
  const collect = async (): Promise<CollectionResult> => {
    const endTime = hrNow();
    const metrics: MetricData[] = [];
    const durations: HistogramMetricData = {
      descriptor: { ...DURATION, valueType: ValueType.DOUBLE },
      aggregationTemporality: CUMULATIVE,
      dataPointType: HISTOGRAM,
      dataPoints: [...histogram.series()].map(({ labels, counts, sum, min, max }) => {
        let count = 0;
        for (const n of counts) count += n;
        const boundaries = [...DURATION_BUCKETS];
        const value = { buckets: { boundaries, counts: [...counts] }, sum, count, min, max };
        return { attributes: { ...labels }, startTime, endTime, value };
      }),
    };
    if (durations.dataPoints.length > 0) metrics.push(durations);
    for (const key of Object.keys(COUNTERS) as CounterName[]) {
      const { name, help } = COUNTERS[key];
      const sum: SumMetricData = {
        descriptor: { name, description: help, unit: counterUnit(key), valueType: ValueType.DOUBLE },
        aggregationTemporality: CUMULATIVE,
        dataPointType: SUM,
        isMonotonic: true,
        dataPoints: [...counters[key].series()].map(({ labels, value }) => ({
          attributes: { ...labels },
          startTime,
          endTime,
          value,
        })),
      };
      if (sum.dataPoints.length > 0) metrics.push(sum);
    }
    return {
      resourceMetrics: { resource: NO_RESOURCE, scopeMetrics: [{ scope: { name: SCOPE, version: VERSION }, metrics }] },
      errors: [],
    };
  };
  return { sink, collect };
}

/**
 * Outrigger's metrics as an OpenTelemetry `MetricProducer` (sdk-metrics export/MetricProducer.ts; the
 * specification's bridge for metrics aggregated outside the SDK): the same `http.client.request.duration`
 * histogram (unit `s`, the convention's buckets) and `outrigger.lb.*` / `outrigger.resilience.*` counters, with
 * the same attributes, as `instrumentOutrigger` records through instruments — but aggregated by Outrigger on the
 * request path (a series per attribute object, no attribute hashing per attempt) and handed to your reader when it
 * collects, always with cumulative temporality. Use it instead of `instrumentOutrigger`'s metrics when their cost
 * matters (the SDK's `Histogram.record()` hashes its attributes on every call: see the README's "Cost"): pass it
 * to the reader (`new PeriodicExportingMetricReader({ exporter, metricProducers: [producer] })`) and call
 * `instrumentOutrigger({ metrics: false })` for traces. Subscribes at once; at most 2 000 attribute sets per
 * metric (later ones under `otel.metric.overflow`).
 */
export function createMetricProducer(): OutriggerMetricProducer {
  const { sink, collect } = producerAggregation();
  return { collect, close: subscribeAll(new CallMetrics(sink).listeners()) };
}
