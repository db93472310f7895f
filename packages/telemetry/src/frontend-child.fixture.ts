// A second process for the cross-process trace test: a "frontend" service behind @outrigger/node's inbound
// middleware (which, with telemetry instrumenting, opens the SERVER span from the caller's traceparent) whose
// handler makes one load-balanced call to the backend at BACKEND_PORT. Every span it ends is printed as a JSON
// line; `{"event":"ready","port":…}` once it listens.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createInbound } from "@outrigger/node";
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
      attributes: s.attributes,
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
const server = createServer(
  createInbound().nodeHandler(async (_incoming, response) => {
    const answer = await request("http://backend/stock", { dispatcher });
    await answer.body.dump();
    response.end("ok");
  }),
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ event: "ready", port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
