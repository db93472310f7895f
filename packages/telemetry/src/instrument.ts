import { type MeterProvider, metrics, type Tracer, type TracerProvider, trace } from "@opentelemetry/api";
import { CallMetrics } from "./call-metrics.js";
import { CallTracer } from "./call-tracer.js";
import type { Listener } from "./channel-names.js";
import { otelSink } from "./otel-sink.js";
import { RegistryTracer } from "./registry-tracer.js";
import { ServerTracer } from "./server-tracer.js";
import { subscribeAll } from "./subscriptions.js";

/** Settings of `instrumentOutrigger`; by default the globally registered providers (no-ops until an SDK registers). */
export interface InstrumentOptions {
  /** Where spans go; default `trace.getTracerProvider()`, read once: with no SDK registered there, no spans. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where metrics go; default `metrics.getMeterProvider()`, read once: register a global MeterProvider before
   * calling `instrumentOutrigger` (the metrics API, unlike tracing, has no proxy for one registered later).
   */
  readonly meterProvider?: MeterProvider;
  /** Leave out spans (`false`); default on. */
  readonly traces?: boolean;
  /** Leave out metrics (`false`); default on. */
  readonly metrics?: boolean;
}

/** The instrumentation's handle; `close()` unsubscribes from every channel (spans in flight are left open). */
export interface Instrumentation {
  close(): void;
}

/** The instrumentation scope's name, as spans and metrics report it. */
export const SCOPE = "@outrigger/telemetry";
/** The instrumentation scope's version (the package's). */
export const VERSION = "0.1.0";

/**
 * False for the API's no-op tracer (no SDK registered globally): its probe span records nothing and has no valid
 * context. An SDK's tracer gives a valid context even when its sampler drops the span. The probe is never ended,
 * so no exporter sees it.
 */
function isRealTracer(tracer: Tracer): boolean {
  const probe = tracer.startSpan("outrigger.probe", { root: true });
  return probe.isRecording() || trace.isSpanContextValid(probe.spanContext());
}

/**
 * Traces and metrics for every load-balanced call in the process (the undici dispatcher and the axios client of
 * @outrigger/loadbalancer, with @outrigger/resilience policies around them), through `@opentelemetry/api` only:
 * the application picks the SDK and exporters. Subscribes to Outrigger's `diagnostics_channel` channels: one
 * INTERNAL span per call with its decisions (retry, hedge, breaker state change, ejection, rate-limit rejection,
 * budget exhausted) as events, one CLIENT span per attempt with the HTTP semantic conventions and W3C context
 * injected into its headers, a SERVER span per request through @outrigger/node's inbound middleware (the caller's
 * context extracted, the handler run inside it), spans for a registry server's registrations, replication
 * batches and watch answers, the `http.client.request.duration` histogram and `outrigger.lb.*` /
 * `outrigger.resilience.*` counters. Call it once, after your SDK is registered (as every OpenTelemetry
 * instrumentation asks): the global providers are read once, and with none registered (no `tracerProvider` or
 * `meterProvider` given either) nothing is subscribed, so the request path pays nothing. `close()` undoes it.
 */
export function instrumentOutrigger(options: InstrumentOptions = {}): Instrumentation {
  const listeners: Listener[] = [];
  if (options.traces !== false) {
    const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE, VERSION);
    if (options.tracerProvider !== undefined || isRealTracer(tracer))
      listeners.push(
        ...new CallTracer(tracer).listeners(),
        ...new ServerTracer(tracer).listeners(),
        ...new RegistryTracer(tracer).listeners(),
      );
  }
  if (options.metrics !== false) {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    const sink = otelSink(provider.getMeter(SCOPE, VERSION));
    if (sink) listeners.push(...new CallMetrics(sink).listeners());
  }
  return { close: subscribeAll(listeners) };
}
