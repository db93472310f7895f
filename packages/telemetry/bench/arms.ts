// The benchmark's arms: what is subscribed while a batch runs. Each arm starts before its batch and stops after it,
// so arms interleave in one process and share its warm JIT and its machine load. Arms named "SDK alone" ask the
// OpenTelemetry SDK for exactly what Outrigger asks of it, without Outrigger: their difference from the matching
// Outrigger arm is Outrigger's share.

import { context, type Meter, propagation, type TracerProvider } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { Registry } from "prom-client";
import { CallMetrics } from "../src/call-metrics.js";
import { CallTracer } from "../src/call-tracer.js";
import type { Listener } from "../src/channel-names.js";
import { instrumentOutrigger } from "../src/instrument.js";
import { createMetricProducer } from "../src/metric-producer.js";
import { otelSink } from "../src/otel-sink.js";
import { registerPrometheus } from "../src/prometheus.js";
import { subscribeAll } from "../src/subscriptions.js";
import { metricsSdkAlone, sdkAsOutrigger, sdkAtCallEnd } from "./sdk-alone.js";

/** Starts an arm; the returned function stops it. */
export type Arm = () => () => void;

const success = { code: 0 } as const;
let exported = 0;
/** Exports nothing, at once (counting what it was handed): the SDK does all its work but no I/O. */
const noopSpanExporter = {
  export: (spans: ReadableSpan[], done: (r: typeof success) => void) => {
    exported += spans.length;
    done(success);
  },
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

/** A tracer provider with the SDK's defaults but for `processor` and `sampler`; one per configuration, made once. */
const provider = (processor: SpanProcessor, sampler?: ParentBasedSampler) =>
  new BasicTracerProvider({ spanProcessors: [processor], ...(sampler ? { sampler } : {}) });
/**
 * The configurations compared: the BatchSpanProcessor at its defaults (2 048 queued, 512 per export) under the
 * default sampler (parent-based, always on) is what production uses; the SimpleSpanProcessor (one export per span)
 * and a 10% trace-id ratio root sampler (parent-based, the usual production sampling) show what each choice costs.
 */
const providers = {
  batch: provider(new BatchSpanProcessor(noopSpanExporter)),
  simple: provider(new SimpleSpanProcessor(noopSpanExporter)),
  ratio: provider(
    new BatchSpanProcessor(noopSpanExporter),
    new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
  ),
};
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: noopMetricExporter, exportIntervalMillis: 3_600_000 })],
});

/** An arm subscribing `listeners`, built once (as `instrumentOutrigger` would subscribe them). */
const subscribing =
  (...listeners: Listener[][]): Arm =>
  () =>
    subscribeAll(listeners.flat());

const tracing = (p: TracerProvider) => new CallTracer(p.getTracer("bench")).listeners();
const instruments = (meter: Meter): Listener[] => {
  const sink = otelSink(meter);
  return sink ? new CallMetrics(sink).listeners() : [];
};
/** The producer's arm: a fresh producer per batch, as the Prometheus arm makes a fresh registry (untimed). */
const withProducer =
  (listeners: Listener[] = []): Arm =>
  () => {
    const producer = createMetricProducer();
    const stop = subscribeAll(listeners);
    return () => {
      stop();
      producer.close();
    };
  };

const meter = meterProvider.getMeter("bench");
const noop = ["call:start", "call:end", "attempt:start", "attempt:end"].map(
  (n): Listener => [`outrigger:lb:${n}`, () => undefined],
);

/** The SDK floor matched to Outrigger's tracer (see `sdkAsOutrigger`), its A/A copy and its 10%-sampled form. */
export const MATCHED = "traces: SDK alone as Outrigger's tracer, batch";
export const MATCHED_COPY = "traces: SDK alone as Outrigger's tracer, batch (A/A copy)";
export const MATCHED_RATIO = "traces: SDK alone as Outrigger's tracer, 10% sampled";

/** The channel path's arms, in the order they are printed; `off` is the baseline the others are compared with. */
export const ARMS: Record<string, Arm> = {
  off: () => () => undefined,
  // The load balancer's side alone: its messages built and published, nobody doing anything with them.
  "channels only, no-op": subscribing(noop),
  // What an application that installed telemetry but registered no SDK runs (instrumentOutrigger reads the globals).
  "installed, no SDK": () => instrumentOutrigger().close,
  "metrics: OTel instruments": subscribing(instruments(meter)),
  "metrics: SDK alone (1 record)": subscribing(metricsSdkAlone(meterProvider)),
  "metrics: producer": withProducer(),
  // A fresh registry per batch (registering is outside the timed batch; its first observation makes the series).
  "metrics: Prometheus": () => registerPrometheus(new Registry()).close,
  // The SDK floor Outrigger's share is taken against: the same channels, the same SDK calls at the same messages.
  [MATCHED]: subscribing(sdkAsOutrigger(providers.batch.getTracer("matched"))),
  // The same arm again (a second subscriber object): the A/A check that pairing by round is unbiased (≈ 0).
  [MATCHED_COPY]: subscribing(sdkAsOutrigger(providers.batch.getTracer("matched-copy"))),
  [MATCHED_RATIO]: subscribing(sdkAsOutrigger(providers.ratio.getTracer("matched"))),
  // The SDK's configurations, each asked for the two spans and the injection at the call's end.
  "traces: SDK alone at call end, batch": subscribing(sdkAtCallEnd(providers.batch.getTracer("alone"))),
  "traces: SDK alone at call end, batch, attrs after": subscribing(
    sdkAtCallEnd(providers.batch.getTracer("after"), true),
  ),
  "traces: SDK alone at call end, simple": subscribing(sdkAtCallEnd(providers.simple.getTracer("alone"))),
  "traces: Outrigger, batch": subscribing(tracing(providers.batch)),
  "traces+instruments: Outrigger, batch": subscribing(tracing(providers.batch), instruments(meter)),
  "traces+producer: Outrigger, batch": withProducer(tracing(providers.batch)),
  "traces+producer: Outrigger, 10% sampled": withProducer(tracing(providers.ratio)),
};

/** The HTTP path's arms: the within-noise check of "installed, no SDK" and the production set-ups. */
export const HTTP_ARMS: Record<string, Arm> = {
  off: ARMS.off as Arm,
  "installed, no SDK": ARMS["installed, no SDK"] as Arm,
  "metrics: producer": ARMS["metrics: producer"] as Arm,
  "traces+producer: Outrigger, batch": ARMS["traces+producer: Outrigger, batch"] as Arm,
};

/** Exports every span still queued (untimed) and returns how many spans were exported so far in all. */
export async function flushSpans(): Promise<number> {
  await Promise.all(Object.values(providers).map((p) => p.forceFlush()));
  return exported;
}

/** Between batches, untimed: collects the garbage the last arm left. */
export function settleArms(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Shuts the providers down at the end of the run. */
export async function closeArms(): Promise<void> {
  await Promise.all([...Object.values(providers).map((p) => p.shutdown()), meterProvider.shutdown()]);
}
