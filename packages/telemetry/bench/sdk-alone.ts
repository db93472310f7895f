// "SDK alone" arms: the OpenTelemetry SDK asked for exactly what Outrigger asks of it, without Outrigger, so the
// difference from the matching Outrigger arm of the same round is Outrigger's share.
import {
  type Attributes,
  type Context,
  context,
  INVALID_TRACEID,
  type MeterProvider,
  propagation,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { AttemptEndMessage, AttemptMessage, CallEndMessage } from "@outrigger/loadbalancer";
import { CallTracer } from "../src/call-tracer.js";
import { CHANNEL, type Listener } from "../src/channel-names.js";

/** The call span's attributes as Outrigger sets them (service, method, rule), made once. */
const CALL_ATTRIBUTES: Attributes = {
  "outrigger.service": "svc",
  "http.request.method": "GET",
  "outrigger.rule": "round-robin",
};
/** The attempt span's attributes a sampler is given (http-spans.md's sampling-relevant four), made once. */
const ATTEMPT_SAMPLING_ATTRIBUTES: Attributes = {
  "http.request.method": "GET",
  "server.address": "127.0.0.1",
  "server.port": 8080,
  "url.full": "http://127.0.0.1:8080/x",
};
/** All the attempt span's attributes as Outrigger sets them (http-spans.md plus the service and instance). */
const ATTEMPT_ATTRIBUTES: Attributes = {
  ...ATTEMPT_SAMPLING_ATTRIBUTES,
  "outrigger.service": "svc",
  "outrigger.instance.id": "svc-1",
};

/**
 * The SDK alone, all at the call's end: a call span and an attempt span under it with the same attributes, the
 * attempt's context injected (W3C traceparent and baggage), the status set on both, both ended. Subscribed to the
 * call's start and end only, so the load balancer publishes no attempt message for it. `after`: attributes set on
 * the started span (one copy) instead of passed to `startSpan` (the SDK copies them twice more for the sampler).
 */
export function sdkAtCallEnd(tracer: Tracer, after = false): Listener[] {
  const start = (name: string, kind: SpanKind, attributes: Attributes, parent: Context) => {
    if (!after) return tracer.startSpan(name, { kind, attributes }, parent);
    return tracer.startSpan(name, { kind }, parent).setAttributes(attributes);
  };
  const onEnd = () => {
    const parent = context.active();
    const call = start("GET svc", SpanKind.INTERNAL, CALL_ATTRIBUTES, parent);
    const callContext = trace.setSpan(parent, call);
    const attempt = start("GET", SpanKind.CLIENT, ATTEMPT_ATTRIBUTES, callContext);
    propagation.inject(trace.setSpan(callContext, attempt), {});
    attempt.setAttribute("http.response.status_code", 200);
    attempt.end();
    call.setAttribute("http.response.status_code", 200);
    call.end();
  };
  return [
    [CHANNEL.callStart, () => undefined],
    [CHANNEL.callEnd, onEnd],
  ];
}

/**
 * The SDK alone, matched call for call to Outrigger's tracer (src/call-tracer.ts): subscribed to the very channels
 * it subscribes to (so the load balancer builds and publishes the same messages), and at each message the same SDK
 * calls — the call span under the active context at the call's start (its recording flag and span context read),
 * the attempt span under it at the attempt's start (the four sampling-relevant attributes given to `startSpan`, the
 * service and instance set on the started span), its context injected into that attempt's own headers, the
 * status attribute set and the span ended at each end. What it leaves out is Outrigger's own work: the attribute
 * objects and span names are made once (Outrigger builds them per call from the message), and the spans in flight
 * sit in two variables (the benchmark's calls do not overlap) instead of Outrigger's per-call state.
 */
export function sdkAsOutrigger(tracer: Tracer): Listener[] {
  let call: Span | undefined;
  let callContext: Context | undefined;
  let attempt: Span | undefined;
  const used: Record<string, (m: unknown) => void> = {
    [CHANNEL.callStart]: () => {
      const parent = context.active();
      const span = tracer.startSpan("GET svc", { kind: SpanKind.INTERNAL, attributes: CALL_ATTRIBUTES }, parent);
      if (!span.isRecording() && span.spanContext().traceId === INVALID_TRACEID) return;
      call = span;
      callContext = trace.setSpan(parent, span);
    },
    [CHANNEL.attemptStart]: (m) => {
      if (call === undefined || callContext === undefined) return;
      const attributes = call.isRecording() ? ATTEMPT_SAMPLING_ATTRIBUTES : undefined;
      attempt = tracer.startSpan("GET", { kind: SpanKind.CLIENT, attributes }, callContext);
      if (attributes !== undefined && attempt.isRecording()) {
        attempt.setAttribute("outrigger.service", "svc").setAttribute("outrigger.instance.id", "svc-1");
      }
      propagation.inject(trace.setSpan(callContext, attempt), (m as AttemptMessage).headers);
    },
    [CHANNEL.attemptEnd]: (m) => {
      attempt?.setAttribute("http.response.status_code", (m as AttemptEndMessage).status as number);
      attempt?.end();
      attempt = undefined;
    },
    [CHANNEL.callEnd]: (m) => {
      call?.setAttribute("http.response.status_code", (m as CallEndMessage).status as number);
      call?.end();
      call = undefined;
      callContext = undefined;
    },
  };
  const names = new CallTracer(tracer).listeners().map(([name]) => name);
  return names.map((name): Listener => [name, used[name] ?? (() => undefined)]);
}

/**
 * The metrics SDK alone: one `http.client.request.duration` record per attempt, its attribute object made once
 * (the SDK still sorts and serialises the keys on every record: AttributeHashMap's `hashAttributes`).
 */
export function metricsSdkAlone(meterProvider: MeterProvider): Listener[] {
  const histogram = meterProvider.getMeter("metrics-floor").createHistogram("floor.duration", { unit: "s" });
  const attributes = {
    "http.request.method": "GET",
    "server.address": "127.0.0.1",
    "server.port": 8080,
    "outrigger.service": "svc",
    "http.response.status_code": 200,
  };
  return [
    [CHANNEL.callStart, () => undefined],
    [CHANNEL.attemptEnd, () => histogram.record(0.001, attributes)],
  ];
}
