// Conformance: open-telemetry/semantic-conventions docs/http/http-spans.md "HTTP server" (kind SERVER, name the
// method when the route is unknown, http.request.method, url.path, url.scheme, server.address/port from Host,
// http.response.status_code; only 5xx sets status ERROR on a server span) and w3c/trace-context (the extracted
// traceparent's parent-id is the SERVER span's parent).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createInbound, type Inbound } from "@outrigger/node";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { memoryTracing, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const tracing = memoryTracing();
const instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
/** The span id active in the handler, per path. */
const active = new Map<string, string | undefined>();
let inbound: Inbound;
let server: Server;
let base: string;
beforeAll(async () => {
  inbound = createInbound();
  server = createServer(
    inbound.nodeHandler((request, response) => {
      const path = request.url ?? "/";
      active.set(path, trace.getActiveSpan()?.spanContext().spanId);
      response.statusCode = path === "/fail" ? 500 : path === "/missing" ? 404 : 200;
      response.end("x");
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => tracing.exporter.reset());
afterAll(async () => {
  instrumentation.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The one span the last request made. */
const serverSpan = async () => {
  await vi.waitFor(() => expect(tracing.spans()).toHaveLength(1));
  return tracing.spans()[0] as ReadableSpan;
};

it("continues the caller's trace: the traceparent's parent-id is its parent, the handler runs inside it", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentId = "00f067aa0ba902b7";
  await (
    await fetch(`${base}/orders/7?verbose=1`, { headers: { traceparent: `00-${traceId}-${parentId}-01` } })
  ).text();
  const span = await serverSpan();
  expect(span.kind).toBe(SpanKind.SERVER);
  expect(span.name).toBe("GET");
  expect(span.spanContext().traceId).toBe(traceId);
  expect(span.parentSpanContext?.spanId).toBe(parentId);
  expect(active.get("/orders/7?verbose=1")).toBe(span.spanContext().spanId);
  expect(span.attributes).toMatchObject({
    "http.request.method": "GET",
    "url.path": "/orders/7",
    "url.scheme": "http",
    "server.address": "127.0.0.1",
    "server.port": Number(new URL(base).port),
    "http.response.status_code": 200,
  });
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
});

it("without a traceparent: a root span; a 500 is an error, a 404 is not (the caller's)", async () => {
  await (await fetch(`${base}/fail`)).text();
  const failed = await serverSpan();
  expect(failed.parentSpanContext).toBeUndefined();
  expect(failed.status.code).toBe(SpanStatusCode.ERROR);
  expect(failed.attributes["error.type"]).toBe("500");
  tracing.exporter.reset();
  await (await fetch(`${base}/missing`)).text();
  const missing = await serverSpan();
  expect(missing.attributes["http.response.status_code"]).toBe(404);
  expect(missing.status.code).toBe(SpanStatusCode.UNSET);
  expect(missing.attributes["error.type"]).toBeUndefined();
});

it("a request the middleware refuses (draining: 503) has its SERVER span too, and the handler never runs", async () => {
  void inbound.draining();
  const answer = await fetch(`${base}/late`);
  await answer.text();
  expect(answer.status).toBe(503);
  const span = await serverSpan();
  expect(span.attributes["http.response.status_code"]).toBe(503);
  expect(span.status.code).toBe(SpanStatusCode.ERROR);
  expect(active.has("/late")).toBe(false);
});
