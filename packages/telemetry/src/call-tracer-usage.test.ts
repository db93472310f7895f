// What Outrigger asks of the OpenTelemetry SDK per attempt. What a sampler is given for an attempt's CLIENT span: the four attributes the HTTP convention names as sampling
// relevant (semantic-conventions docs/http/http-spans.md, "HTTP client span": `http.request.method`,
// `server.address`, `server.port`, `url.full` "SHOULD be provided at span creation time"), and no more: the SDK
// copies what `startSpan` is given twice (sdk-trace `Tracer.js` startSpan, `sanitizeAttributes`), so Outrigger's
// own attributes are set on the started span. The exported span carries all of them, as before. And no `baggage`
// header when the caller's baggage is empty: w3c/baggage HTTP_HEADER_FORMAT.md, `baggage-string = list-member
// 0*179( OWS "," OWS list-member )`, at least one member (core's W3CBaggagePropagator.js sends none then).
import { type Attributes, type Context, context, propagation, type SpanKind } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, only, registerGlobals } from "./otel.fixture.js";

registerGlobals();

/** Records every span's name and the attributes it was given, and samples everything. */
class RecordingSampler implements Sampler {
  readonly seen = new Map<string, Attributes>();
  shouldSample(_c: Context, _t: string, name: string, _k: SpanKind, attributes: Attributes) {
    this.seen.set(name, { ...attributes });
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString() {
    return "RecordingSampler";
  }
}

it("gives the sampler the convention's four sampling attributes of an attempt and exports them all", async () => {
  const sampler = new RecordingSampler();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const instrumentation = instrumentOutrigger({ tracerProvider: provider, metrics: false });
  const fleet = await loopbackServers(["a"]);
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
  await (await request("http://svc/x?q=1", { dispatcher })).body.dump();

  const sampling = {
    "http.request.method": "GET",
    "server.address": "127.0.0.1",
    "server.port": fleet.ports.a,
    "url.full": `http://127.0.0.1:${fleet.ports.a}/x?q=1`,
  };
  expect(sampler.seen.get("GET")).toEqual(sampling);
  // The call span is Outrigger's own: the service and rule are what a sampler of calls would key on.
  expect(sampler.seen.get("GET svc")).toEqual({
    "outrigger.service": "svc",
    "http.request.method": "GET",
    "outrigger.rule": "round-robin",
  });
  expect(only(exporter.getFinishedSpans(), "GET").attributes).toEqual({
    ...sampling,
    "outrigger.service": "svc",
    "outrigger.instance.id": "a",
    "outrigger.instance.zone": "zone-a",
    "http.response.status_code": 200,
  });
  instrumentation.close();
  await dispatcher.close();
  await fleet.close();
});

it("sends a traceparent and no baggage header when the caller's baggage is empty", async () => {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
  const instrumentation = instrumentOutrigger({ tracerProvider: provider, metrics: false });
  const fleet = await loopbackServers(["a"]);
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
  await (await request("http://svc/x", { dispatcher })).body.dump();
  const empty = propagation.setBaggage(context.active(), propagation.createBaggage({}));
  await context.with(empty, async () => (await request("http://svc/x", { dispatcher })).body.dump());

  expect(fleet.seen.map((s) => [typeof s.headers.traceparent, s.headers.baggage])).toEqual([
    ["string", undefined],
    ["string", undefined],
  ]);
  instrumentation.close();
  await dispatcher.close();
  await fleet.close();
});
