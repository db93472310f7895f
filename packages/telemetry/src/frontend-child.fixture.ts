// A second process for the cross-process trace test: a "frontend" service whose inbound handler extracts the W3C
// context (as inbound middleware will), opens a SERVER span and makes one load-balanced call to the backend at
// BACKEND_PORT. Every span it ends is printed as a JSON line; `{"event":"ready","port":…}` once it listens.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const print = (spans: ReadableSpan[], done: (result: { code: 0 }) => void) => {
  for (const s of spans) {
    const { traceId, spanId } = s.spanContext();
    const line = {
      event: "span",
      name: s.name,
      kind: s.kind,
      traceId,
      spanId,
      parentSpanId: s.parentSpanContext?.spanId,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  done({ code: 0 });
};
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ export: print, shutdown: async () => undefined })],
});
instrumentOutrigger({ tracerProvider: provider, metrics: false });
const backend = {
  id: "backend-1",
  service: "backend",
  host: "127.0.0.1",
  port: Number(process.env.BACKEND_PORT),
  secure: false,
  status: "UP" as const,
  metadata: {},
};
const balancer = balancerOver([backend]);
const dispatcher = createLbDispatcher({ balancer: (s) => (s === "backend" ? balancer : undefined) });
const tracer = provider.getTracer("frontend");

const server = createServer((incoming, response) => {
  const parent = propagation.extract(context.active(), incoming.headers);
  const span = tracer.startSpan("GET /checkout", { kind: SpanKind.SERVER }, parent);
  context.with(trace.setSpan(parent, span), async () => {
    const answer = await request("http://backend/stock", { dispatcher });
    await answer.body.dump();
    span.end();
    response.end("ok");
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ event: "ready", port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
