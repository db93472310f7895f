// Field reports from OpenTelemetry JS, replayed against Outrigger's telemetry (real loopback servers, the official
// SDK's in-memory exporter).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createInbound } from "@outrigger/node";
import { request, fetch as undiciFetch } from "undici";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryTracing, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const tracing = memoryTracing();
const instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
afterEach(() => tracing.exporter.reset());
afterAll(() => instrumentation.close());

const STALE = "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01";
const attemptSpan = async () => {
  await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1));
  return tracing.spans().find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan;
};
const traceparentOf = (span: ReadableSpan) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

// open-telemetry/opentelemetry-js-contrib#2796 (and #3711): with a traceparent already in the caller's headers,
// instrumentation-undici appended a second one; the server folded both into "00-…-01, 00-…-01", which the W3C
// propagator rejects, so the callee started an orphan trace. The attempt's headers must replace the caller's, in
// any case and header form, and a caller's tracestate must not outlive the traceparent it belonged to.
describe("opentelemetry-js-contrib#2796: a caller's own traceparent and tracestate", () => {
  const forms: Record<string, Record<string, string> | string[]> = {
    "undici.request, a header record": { traceparent: STALE, tracestate: "vendor=stale" },
    "undici.request, a flat array in other cases": ["Traceparent", STALE, "TraceState", "vendor=stale"],
  };
  for (const [form, headers] of Object.entries(forms)) {
    it(`${form}: the callee gets one traceparent, the attempt's, and no stale tracestate`, async () => {
      const fleet = await loopbackServers(["a"]);
      const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
      await (await request("http://svc/x", { dispatcher, headers })).body.dump();
      const seen = fleet.seen[0]?.headers;
      expect(seen?.traceparent).toBe(traceparentOf(await attemptSpan()));
      expect(seen?.tracestate).toBeUndefined();
      await dispatcher.close();
      await fleet.close();
    });
  }

  it("fetch with a Headers object on the LB dispatcher: the same", async () => {
    const fleet = await loopbackServers(["a"]);
    const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
    const headers = new Headers({ traceparent: STALE, tracestate: "vendor=stale" });
    await (await undiciFetch("http://svc/x", { dispatcher, headers })).text();
    const seen = fleet.seen[0]?.headers;
    expect(seen?.traceparent).toBe(traceparentOf(await attemptSpan()));
    expect(seen?.tracestate).toBeUndefined();
    await dispatcher.close();
    await fleet.close();
  });

  it("axios: the same", async () => {
    const fleet = await loopbackServers(["a"]);
    const client = createLbAxios({ balancer: () => balancerOver([fleet.instance("a")]) });
    await client.get("lb://svc/x", { headers: { Traceparent: STALE, tracestate: "vendor=stale" } });
    const seen = fleet.seen[0]?.headers;
    expect(seen?.traceparent).toBe(traceparentOf(await attemptSpan()));
    expect(seen?.tracestate).toBeUndefined();
    await fleet.close();
  });
});

// open-telemetry/opentelemetry-js#1101: a span started after an `await` in an http server's handler was not the
// child of the request's server span (the context manager lost it across the await). With the inbound
// middleware's SERVER span, an outbound call made after awaits belongs to the request's trace.
it("opentelemetry-js#1101: an outbound call made after awaits in the handler is the SERVER span's child", async () => {
  const fleet = await loopbackServers(["a"]);
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
  const server = createServer(
    createInbound().nodeHandler(async (_request, response) => {
      await (async () => {})();
      await new Promise((resolve) => setImmediate(resolve));
      await (await request("http://svc/stock", { dispatcher })).body.dump();
      response.end("ok");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // Two requests at once: each call must land under its own request's span, not the other's.
  await Promise.all([1, 2].map(async () => (await fetch(`http://127.0.0.1:${port}/checkout`)).text()));
  await vi.waitFor(() => expect(tracing.spans()).toHaveLength(6));
  const servers = tracing.spans().filter((s) => s.kind === SpanKind.SERVER);
  const calls = tracing.spans().filter((s) => s.name === "GET svc");
  expect(servers).toHaveLength(2);
  expect(calls.map((c) => c.parentSpanContext?.spanId).sort()).toEqual(
    servers.map((s) => s.spanContext().spanId).sort(),
  );
  for (const call of calls) {
    const parent = servers.find((s) => s.spanContext().spanId === call.parentSpanContext?.spanId);
    expect(call.spanContext().traceId).toBe(parent?.spanContext().traceId);
  }
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dispatcher.close();
  await fleet.close();
});
