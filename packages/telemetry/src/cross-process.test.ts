// One trace across two processes (w3c/trace-context: the callee continues the caller's trace-id, its SERVER span's
// parent is the caller's CLIENT span). The callee's SERVER span is opened by telemetry from @outrigger/node's inbound
// middleware (`outrigger:inbound:request`), with the HTTP server span conventions (http-spans.md "HTTP server").
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { SpanKind } from "@opentelemetry/api";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { afterAll, expect, it, vi } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryTracing, only, registerGlobals } from "./otel.fixture.js";

interface ChildSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

registerGlobals();
const tracing = memoryTracing();
const instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
const children: ChildProcess[] = [];
afterAll(() => {
  instrumentation.close();
  for (const child of children) child.kill("SIGTERM");
});

/** Starts the frontend process; resolves with its port and the spans it reports. */
async function startFrontend(backendPort: number) {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@outrigger/source",
      "--import",
      "tsx",
      new URL("./frontend-child.fixture.ts", import.meta.url).pathname,
    ],
    { env: { ...process.env, BACKEND_PORT: String(backendPort) }, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(child);
  const spans: ChildSpan[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const event = JSON.parse(line) as { event: string; port?: number } & ChildSpan;
      if (event.event === "ready") resolve(event.port as number);
      else spans.push(event);
    });
    child.once("exit", (code) => reject(new Error(`frontend exited (${code}) before it listened`)));
  });
  return { port, spans };
}

it("an inbound request that makes an outbound call: one trace across both processes", async () => {
  const backend = await loopbackServers(["backend"]);
  const frontend = await startFrontend(backend.ports.backend as number);
  const instance = { ...backend.instance("backend"), id: "frontend-1", service: "frontend", port: frontend.port };
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([instance]) });
  const answer = await request("http://frontend/checkout", { dispatcher });
  expect(await answer.body.text()).toBe("ok");
  await vi.waitFor(() => expect(frontend.spans).toHaveLength(3));
  await vi.waitFor(() => expect(tracing.spans()).toHaveLength(2));
  const callerCall = only(tracing.spans(), "GET frontend");
  const callerAttempt = tracing.spans().find((s) => s.kind === SpanKind.CLIENT);
  const { traceId } = callerCall.spanContext();
  const server = frontend.spans.find((s) => s.kind === SpanKind.SERVER);
  const calleeCall = frontend.spans.find((s) => s.name === "GET backend");
  const calleeAttempt = frontend.spans.find((s) => s.kind === SpanKind.CLIENT);
  expect(frontend.spans.map((s) => s.traceId)).toEqual([traceId, traceId, traceId]);
  expect(server?.parentSpanId).toBe(callerAttempt?.spanContext().spanId);
  expect(server?.name).toBe("GET");
  expect(server?.attributes).toMatchObject({
    "http.request.method": "GET",
    "url.path": "/checkout",
    "url.scheme": "http",
    "server.address": "127.0.0.1",
    "server.port": frontend.port,
    "http.response.status_code": 200,
  });
  expect(calleeCall?.parentSpanId).toBe(server?.spanId);
  expect(calleeAttempt?.parentSpanId).toBe(calleeCall?.spanId);
  // The backend saw the callee's attempt as its parent: the third hop continues the same trace.
  expect(backend.seen[0]?.headers.traceparent).toBe(`00-${traceId}-${calleeAttempt?.spanId}-01`);
  await dispatcher.close();
  await backend.close();
});
