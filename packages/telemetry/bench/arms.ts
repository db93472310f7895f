// The benchmark's arms: what is subscribed while a batch runs. Each arm starts before its batch and stops after it,
// so arms interleave in one process and share its warm JIT and its machine load.

import { context, type metrics, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { CallMetrics } from "../src/call-metrics.js";
import { CallTracer } from "../src/call-tracer.js";
import type { Listener } from "../src/channel-names.js";
import { instrumentOutrigger } from "../src/instrument.js";
import { createMetricProducer } from "../src/metric-producer.js";
import { otelSink } from "../src/otel-sink.js";
import { registerPrometheus } from "../src/prometheus.js";
import { subscribeAll } from "../src/subscriptions.js";

/** Starts an arm; the returned function stops it. */
export type Arm = () => () => void;

const success = { code: 0 } as const;
/** Exports nothing, at once: the SDK does all its work (spans built, processed, handed over) but no I/O. */
const noopSpanExporter = {
  export: (_spans: ReadableSpan[], done: (r: typeof success) => void) => done(success),
  shutdown: async () => undefined,
};
const noopMetricExporter = {
  export: (_m: unknown, done: (r: typeof success) => void) => done(success),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

// What an application's SDK set-up registers globally: async context and the W3C propagators (injection is paid).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);

/**
 * One tracer and one meter provider for the whole run (an application builds them once), with the span processor
 * production uses (batching; a queue large enough that no span is dropped, which would flatter the figures).
 */
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopSpanExporter, { maxQueueSize: 1_000_000, scheduledDelayMillis: 100 })],
});
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: noopMetricExporter, exportIntervalMillis: 3_600_000 })],
});

/**
 * An arm subscribing `listeners`, built once: what `instrumentOutrigger` subscribes, without building new
 * instruments for every batch (the SDK would keep each duplicate instrument's storage).
 */
const subscribing =
  (listeners: Listener[]): Arm =>
  () =>
    subscribeAll(listeners);

const tracer = (provider: { getTracer(name: string): ReturnType<typeof trace.getTracer> }) =>
  new CallTracer(provider.getTracer("bench")).listeners();
const otelMetrics = (provider: { getMeter(name: string): ReturnType<typeof metrics.getMeter> }): Listener[] => {
  const sink = otelSink(provider.getMeter("bench"));
  return sink ? new CallMetrics(sink).listeners() : [];
};

/**
 * The SDK's own floor, without Outrigger: per call, what any instrumentation of it must ask the SDK for — two spans
 * (call and attempt) with the same attributes as Outrigger's, one context injected, one histogram observation —
 * done by a plain subscriber of the call's end. What "SDK traces+metrics" costs beyond this is Outrigger's share.
 */
function sdkFloor(): Listener[] {
  const floorTracer = tracerProvider.getTracer("floor");
  const histogram = meterProvider.getMeter("floor").createHistogram("floor.duration", { unit: "s" });
  const onEnd = () => {
    const parent = context.active();
    const call = floorTracer.startSpan(
      "GET svc",
      {
        kind: SpanKind.INTERNAL,
        attributes: { "outrigger.service": "svc", "http.request.method": "GET", "outrigger.rule": "round-robin" },
      },
      parent,
    );
    const callContext = trace.setSpan(parent, call);
    const attempt = floorTracer.startSpan(
      "GET",
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "http.request.method": "GET",
          "server.address": "127.0.0.1",
          "server.port": 8080,
          "url.full": "http://127.0.0.1:8080/x",
          "outrigger.service": "svc",
          "outrigger.instance.id": "svc-1",
        },
      },
      callContext,
    );
    propagation.inject(trace.setSpan(callContext, attempt), {});
    attempt.setAttribute("http.response.status_code", 200);
    attempt.end();
    call.setAttribute("http.response.status_code", 200);
    call.end();
    histogram.record(0.001, {
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": 8080,
      "http.response.status_code": 200,
    });
  };
  return [
    ["outrigger:lb:call:start", () => undefined],
    ["outrigger:lb:call:end", onEnd],
  ];
}

/**
 * The OpenTelemetry metrics SDK's own floor, without Outrigger: one `http.client.request.duration` record per
 * attempt with an attribute object made once (the SDK still sorts and serialises its keys on every record, its
 * AttributeHashMap's `hashAttributes`). What "OTel metrics only" costs beyond this is Outrigger's share.
 */
function metricsFloor(): Listener[] {
  const histogram = meterProvider.getMeter("metrics-floor").createHistogram("floor.duration", { unit: "s" });
  const attributes = {
    "http.request.method": "GET",
    "server.address": "127.0.0.1",
    "server.port": 8080,
    "outrigger.service": "svc",
    "http.response.status_code": 200,
  };
  return [
    ["outrigger:lb:call:start", () => undefined],
    ["outrigger:lb:attempt:end", () => histogram.record(0.001, attributes)],
  ];
}

/** The arms, in the order they are printed; `off` is the baseline the others are compared with. */
export const ARMS: Record<string, Arm> = {
  off: () => () => undefined,
  // The load balancer's side alone: its messages built and published, nobody doing anything with them.
  "channels only, no-op": subscribing(
    ["call:start", "call:end", "attempt:start", "attempt:end"].map(
      (n): Listener => [`outrigger:lb:${n}`, () => undefined],
    ),
  ),
  // What an application that installed telemetry but registered no SDK runs (instrumentOutrigger reads the globals).
  "installed, no SDK": () => instrumentOutrigger().close,
  "SDK traces+metrics": subscribing([...tracer(tracerProvider), ...otelMetrics(meterProvider)]),
  "OTel metrics only": subscribing(otelMetrics(meterProvider)),
  // The same metrics aggregated by Outrigger and handed to the reader at collect time (createMetricProducer): a
  // fresh producer per batch, as the Prometheus arm makes a fresh registry (making it is outside the timed batch).
  "OTel metrics via producer": () => createMetricProducer().close,
  "SDK floor, no Outrigger": subscribing(sdkFloor()),
  "OTel metrics floor": subscribing(metricsFloor()),
  // A fresh registry per batch (registering is outside the timed batch; its first observation makes the series).
  "prometheus only": () => registerPrometheus(new Registry()).close,
};

/** Between batches, untimed: exports the spans an arm left queued and collects its garbage. */
export async function settleArms(): Promise<void> {
  await tracerProvider.forceFlush();
  (globalThis as { gc?: () => void }).gc?.();
}

/** Shuts the providers down at the end of the run. */
export async function closeArms(): Promise<void> {
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
}
