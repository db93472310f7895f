// Conformance sources: open-telemetry/opentelemetry-js packages/sdk-metrics src/export/MetricProducer.ts (the
// interface), src/export/MetricReader.ts (`metricProducers`: their scope metrics are merged into each collection)
// and src/export/MetricData.ts (the data point shapes); semantic-conventions docs/http/http-metrics.md for the
// histogram. The instrument path (`instrumentOutrigger`) is the reference the producer must equal.
import { AggregationTemporality, DataPointType, type Histogram, type MetricData } from "@opentelemetry/sdk-metrics";
import { expect, it } from "vitest";
import { CallMetrics } from "./call-metrics.js";
import { SCOPE } from "./instrument.js";
import { retriedAndRefused } from "./metric-calls.fixture.js";
import { createMetricProducer, producerAggregation } from "./metric-producer.js";
import type { MetricSink } from "./metric-sink.js";
import { memoryMetrics } from "./otel.fixture.js";
import { otelSink } from "./otel-sink.js";
import { DURATION_BUCKETS } from "./semconv.js";
import { subscribeAll } from "./subscriptions.js";

/**
 * A metric as compared: the `MetricDescriptor` fields (the SDK's instrument descriptor adds its `type` and
 * `advice`, which the exporters do not read), its shape and points, timestamps left out (each stamps its own).
 */
function comparable(metric: MetricData) {
  const points = metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
  points.sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
  const { name, description, unit, valueType } = metric.descriptor;
  const descriptor = { name, description, unit, valueType };
  const { aggregationTemporality, dataPointType } = metric;
  const monotonic = "isMonotonic" in metric ? metric.isMonotonic : undefined;
  return { descriptor, aggregationTemporality, dataPointType, monotonic, points };
}

it("a real MetricReader exports, through the producer, what the known calls sent", async () => {
  const producer = createMetricProducer();
  const reader = memoryMetrics([producer]);
  const { failedPort, okPort } = await retriedAndRefused();
  producer.close();
  producer.close(); // twice is harmless

  const exported = await reader.exported();
  expect(new Set(exported.map(([scope]) => scope))).toEqual(new Set([SCOPE]));
  const duration = exported.find(([, m]) => m.descriptor.name === "http.client.request.duration")?.[1];
  expect(duration).toMatchObject({
    descriptor: { unit: "s" },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
  });
  const points = duration?.dataPoints ?? [];
  const ok = points.find((p) => p.attributes["server.port"] === okPort);
  expect(ok?.attributes).toEqual({
    "http.request.method": "GET",
    "server.address": "127.0.0.1",
    "server.port": okPort,
    "outrigger.service": "svc",
    "http.response.status_code": 200,
  });
  const histogram = ok?.value as Histogram;
  expect(histogram.buckets.boundaries).toEqual(DURATION_BUCKETS);
  expect(histogram.buckets.counts.reduce((a, b) => a + b)).toBe(1);
  expect(histogram.count).toBe(1);
  expect(histogram.sum).toBeGreaterThan(0);
  expect(histogram.sum).toBeLessThan(5); // seconds
  const failed = points.filter((p) => p.attributes["server.port"] === failedPort);
  expect(failed.map((p) => p.attributes["error.type"]).sort()).toEqual(["503", "ECONNREFUSED"]);
  expect(failed.map((p) => (p.value as Histogram).count)).toEqual([1, 1]);

  const count = (name: string, from = exported) =>
    from.find(([, m]) => m.descriptor.name === name)?.[1].dataPoints.map((p) => [p.attributes, p.value]);
  expect(count("outrigger.lb.calls")).toEqual([
    [{ "outrigger.service": "svc", outcome: "success" }, 1],
    [{ "outrigger.service": "svc", outcome: "failure" }, 2],
  ]);
  expect(count("outrigger.lb.retries")).toEqual([
    [{ "outrigger.service": "svc", "outrigger.retry.reason": "status" }, 1],
  ]);
  expect(count("outrigger.resilience.rejections")).toEqual([
    [{ "outrigger.service": "svc", "outrigger.policy": "circuit-breaker" }, 1],
  ]);
  // Cumulative: a second collection after close() reads the same totals again.
  expect(count("outrigger.lb.calls", await reader.exported())).toEqual(count("outrigger.lb.calls"));
  await reader.close();
});

it("equals the instrument path: same names, units, attributes, counts, sums, bucket counts, min and max", async () => {
  // One CallMetrics feeds both, so both see the very same durations.
  const instruments = memoryMetrics();
  const aggregation = producerAggregation();
  const viaSdk = otelSink(instruments.provider.getMeter(SCOPE)) as MetricSink;
  const both: MetricSink = {
    duration: (labels, seconds) => {
      viaSdk.duration(labels, seconds);
      aggregation.sink.duration(labels, seconds);
    },
    count: (counter, labels) => {
      viaSdk.count(counter, labels);
      aggregation.sink.count(counter, labels);
    },
  };
  const unsubscribe = subscribeAll(new CallMetrics(both).listeners());
  const producerReader = memoryMetrics([{ collect: aggregation.collect }]);
  await retriedAndRefused();
  await retriedAndRefused();
  unsubscribe();

  const byName = (metrics: Array<[string, MetricData]>) =>
    Object.fromEntries(metrics.map(([, m]) => [m.descriptor.name, comparable(m)]));
  const expected = byName(await instruments.exported());
  const actual = byName(await producerReader.exported());
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  expect(Object.keys(actual)).toContain("outrigger.resilience.breaker.transitions");
  expect(actual).toEqual(expected);
  await Promise.all([instruments.close(), producerReader.close()]);
});
