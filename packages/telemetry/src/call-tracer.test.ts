// Conformance sources: open-telemetry/semantic-conventions docs/http/http-spans.md (HTTP client span: name is the
// method, attributes http.request.method, server.address, server.port, url.full with credentials redacted,
// http.response.status_code, error.type, http.request.resend_count on the second and later sends, status ERROR for
// 4xx/5xx) and w3c/trace-context (traceparent `00-<trace-id>-<parent-id>-<flags>`, the parent id is the CLIENT
// span of the attempt that carried it).
import { context, propagation, type SpanContext, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createCircuitBreaker, createHedgePolicy } from "@outrigger/resilience";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Instrumentation, instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryTracing, only, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const tracing = memoryTracing();
let instrumentation: Instrumentation;
beforeAll(() => {
  instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
});
afterAll(() => instrumentation.close());
afterEach(() => tracing.exporter.reset());

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const attempts = (spans: readonly ReadableSpan[]) =>
  spans
    .filter((s) => s.kind === SpanKind.CLIENT)
    .sort((a, b) => a.startTime[1] - b.startTime[1] + (a.startTime[0] - b.startTime[0]) * 1e9);
const traceparentOf = (span: SpanContext) => `00-${span.traceId}-${span.spanId}-01`;

const ejectAfterOne = { consecutive5xx: 1, maxEjectionPercent: 100 };

describe("a call retried to a second instance", () => {
  // The first request the fleet sees answers 503, every later one 200: whichever instance round robin picks
  // first fails, the retry goes to the other.
  const firstFails = (_name: string, n: number) => ({ status: n === 1 ? 503 : 200 });

  it("undici path: one call span, two CLIENT attempt spans under it, resend_count 1 on the second", async () => {
    const fleet = await loopbackServers(["a", "b"], firstFails);
    // One 5xx ejects (Envoy's consecutive_5xx set to 1): the ejection the first attempt caused is on the call span.
    const balancer = balancerOver([fleet.instance("a"), fleet.instance("b")], ejectAfterOne);
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    const answer = await request("http://svc/orders/7?verbose=1", { dispatcher });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(3));
    const spans = tracing.spans();
    const call = only(spans, "GET svc");
    expect(call.kind).toBe(SpanKind.INTERNAL);
    expect(call.attributes["outrigger.service"]).toBe("svc");
    expect(call.attributes["outrigger.rule"]).toBe("round-robin");
    expect(call.attributes["http.response.status_code"]).toBe(200);
    expect(call.events.map((e) => e.name)).toEqual(["outrigger.ejection", "outrigger.retry"]);
    expect(call.events[0]?.attributes).toMatchObject({
      "outrigger.instance.id": fleet.seen[0]?.name,
      "outrigger.ejection.reason": "consecutive-5xx",
    });
    expect(call.events[1]?.attributes?.["outrigger.retry.reason"]).toBe("status");
    const [first, second] = attempts(spans);
    for (const attempt of [first, second]) {
      expect(attempt?.name).toBe("GET");
      expect(parentOf(attempt as ReadableSpan)).toBe(call.spanContext().spanId);
      expect(attempt?.spanContext().traceId).toBe(call.spanContext().traceId);
    }
    const firstPort = fleet.ports[fleet.seen[0]?.name as string];
    expect(first?.attributes).toMatchObject({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": firstPort,
      "url.full": `http://127.0.0.1:${firstPort}/orders/7?verbose=1`,
      "http.response.status_code": 503,
      "error.type": "503",
    });
    expect(first?.attributes["http.request.resend_count"]).toBeUndefined();
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(second?.attributes).toMatchObject({ "http.request.resend_count": 1, "http.response.status_code": 200 });
    expect(second?.attributes["error.type"]).toBeUndefined();
    // Each instance received the traceparent of its own attempt span.
    expect(fleet.seen.map((s) => s.headers.traceparent)).toEqual([
      traceparentOf((first as ReadableSpan).spanContext()),
      traceparentOf((second as ReadableSpan).spanContext()),
    ]);
    await dispatcher.close();
    await fleet.close();
  });

  it("axios path: the same tree, the caller's span as the root and its baggage on the wire", async () => {
    const fleet = await loopbackServers(["a", "b"], firstFails);
    const balancer = balancerOver([fleet.instance("a"), fleet.instance("b")]);
    balancer.setRule({ name: "random" }); // the call span names the rule in force when the call starts
    const client = createLbAxios({ balancer: () => balancer });
    const root = tracing.provider.getTracer("test").startSpan("handler");
    const bag = propagation.createBaggage({ tenant: { value: "acme" } });
    const active = propagation.setBaggage(trace.setSpan(context.active(), root), bag);
    const answer = await context.with(active, () =>
      client.get("lb://svc/orders", {
        headers: { traceparent: "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01" },
      }),
    );
    root.end();
    expect(answer.status).toBe(200);
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(4));
    const spans = tracing.spans();
    const call = only(spans, "GET svc");
    expect(parentOf(call)).toBe(root.spanContext().spanId);
    expect(call.attributes["outrigger.rule"]).toBe("random");
    const [first, second] = attempts(spans);
    expect(parentOf(first as ReadableSpan)).toBe(call.spanContext().spanId);
    expect(second?.attributes["http.request.resend_count"]).toBe(1);
    // A stale traceparent the caller copied into its headers is replaced by the attempt's.
    expect(fleet.seen[1]?.headers.traceparent).toBe(traceparentOf((second as ReadableSpan).spanContext()));
    expect(fleet.seen[1]?.headers.baggage).toBe("tenant=acme");
    await fleet.close();
  });
});

describe("a call rejected by an open breaker", () => {
  it("has a call span with the rejection event and error.type, and no attempt span", async () => {
    const fleet = await loopbackServers(["a"]);
    const dead = fleet.instance("a");
    await fleet.close(); // nothing listens any more: connections are refused
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 60_000 });
    const dispatcher = createLbDispatcher({ balancer: () => balancerOver([dead]), policy: breaker, retry: false });
    await expect(request("http://svc/x", { dispatcher })).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(request("http://svc/x", { dispatcher })).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(3));
    const [tripped, rejected] = tracing.spans().filter((s) => s.kind === SpanKind.INTERNAL);
    // The first call opened the circuit: the state change is an event on it.
    expect(tripped?.events.map((e) => [e.name, e.attributes?.["outrigger.breaker.state"]])).toEqual([
      ["outrigger.breaker.state_change", "open"],
    ]);
    expect(tripped?.attributes["error.type"]).toBe("ECONNREFUSED");
    expect(rejected?.attributes["error.type"]).toBe("RESILIENCE_CIRCUIT_OPEN");
    expect(rejected?.status.code).toBe(SpanStatusCode.ERROR);
    expect(rejected?.events.map((e) => [e.name, e.attributes?.["outrigger.policy"]])).toEqual([
      ["outrigger.rejected", "circuit-breaker"],
    ]);
    const attemptSpans = tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(attemptSpans.map(parentOf)).toEqual([tripped?.spanContext().spanId]);
    expect(attemptSpans[0]?.attributes["error.type"]).toBe("ECONNREFUSED");
    await dispatcher.close();
  });
});

describe("a hedged call", () => {
  it("has a hedge event and two attempt spans under the call; the winner answers", async () => {
    const release: Array<() => void> = [];
    const held = new Promise<void>((resolve) => release.push(resolve));
    const releaseFirst = () => release[0]?.();
    // The first request waits until the hedge arrives elsewhere; the hedge answers at once.
    const fleet = await loopbackServers(["a", "b"], (_name, n) =>
      n === 1 ? { status: 200, release: held } : { status: 200 },
    );
    const hedge = createHedgePolicy({ delayMs: 20 });
    const dispatcher = createLbDispatcher({
      balancer: () => balancerOver([fleet.instance("a"), fleet.instance("b")]),
      policy: hedge,
      retry: false,
    });
    const hedged = fleet.nextArrival().then(() => fleet.nextArrival());
    const pending = request("http://svc/slow", { dispatcher });
    await hedged;
    const answer = await pending;
    expect(await answer.body.json()).toEqual({ from: fleet.seen[1]?.name });
    releaseFirst();
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(3));
    const spans = tracing.spans();
    const call = only(spans, "GET svc");
    expect(call.events.map((e) => [e.name, e.attributes?.["outrigger.hedge"]])).toEqual([["outrigger.hedge", 1]]);
    const [first, hedgeSpan] = attempts(spans);
    expect([parentOf(first as ReadableSpan), parentOf(hedgeSpan as ReadableSpan)]).toEqual([
      call.spanContext().spanId,
      call.spanContext().spanId,
    ]);
    expect(hedgeSpan?.attributes["http.request.resend_count"]).toBe(1);
    // The instance that saw the second request answered first (the first request was held): its attempt won.
    const winner = attempts(spans).find((s) => s.attributes["outrigger.instance.id"] === fleet.seen[1]?.name);
    expect(winner?.attributes["http.response.status_code"]).toBe(200);
    expect(call.attributes["http.response.status_code"]).toBe(200);
    await dispatcher.close();
    await fleet.close();
  });
});

describe("url.full", () => {
  // Userinfo never reaches an attempt URL (parseLbUrl refuses lb://user:pass@svc, instance URLs are built from
  // host and port); fullUrl's redaction of it is unit-tested in semconv.test.ts.
  it("never carries a secret query value", async () => {
    const fleet = await loopbackServers(["a"]);
    const balancer = balancerOver([fleet.instance("a")]);
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    const answer = await request("http://svc/p?token=s3cret&x=1", { dispatcher });
    await answer.body.dump();
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(2));
    const url = attempts(tracing.spans())[0]?.attributes["url.full"];
    expect(url).toBe(`http://127.0.0.1:${fleet.ports.a}/p?token=REDACTED&x=1`);
    await dispatcher.close();
    await fleet.close();
  });
});
