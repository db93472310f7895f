// Registry-server spans, asserted with the OpenTelemetry JS SDK's InMemorySpanExporter: two real registry servers
// on loopback (A replicates to B, Eureka's peer replication, as `startServer({ peers })` runs it). A registration
// on A continues the caller's trace; A's replication batch to B is a CLIENT span whose W3C context B's receive span
// continues; a watch answer spans the long poll from the request to the change that woke it.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { memoryTracing, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const tracing = memoryTracing();
const instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
let a: RunningServer;
let b: RunningServer;
beforeAll(async () => {
  b = await startServer({ port: 0, host: "127.0.0.1" });
  a = await startServer({ port: 0, host: "127.0.0.1", peers: [`${b.url}/eureka`] });
});
afterAll(async () => {
  instrumentation.close();
  await a.close();
  await b.close();
});

/** A Eureka registration body for instance `id` of ORDERS. */
const registration = (id: string) => ({
  instance: {
    instanceId: id,
    hostName: "127.0.0.1",
    app: "ORDERS",
    ipAddr: "127.0.0.1",
    status: "UP",
    port: { $: 8080, "@enabled": "true" },
    dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
  },
});
const register = (server: RunningServer, id: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/eureka/apps/ORDERS`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(registration(id)),
  });
const named = (name: string): ReadableSpan[] => tracing.spans().filter((s) => s.name === name);
/** Milliseconds of an OpenTelemetry HrTime ([seconds, nanoseconds]); NaN for a missing one. */
const ms = (t: readonly [number, number] | undefined) => (t ? t[0] * 1e3 + t[1] / 1e6 : Number.NaN);

it("a registration continues the caller's trace; its replication to the peer is one trace with it", async () => {
  const traceId = "0af7651916cd43dd8448eb211c80319c";
  const parentId = "b7ad6b7169203331";
  const answer = await register(a, "orders-1", { traceparent: `00-${traceId}-${parentId}-01` });
  expect(answer.status).toBe(204);
  // The send span ends when A has read B's answer, after B's receive span ended: wait for both (under load the
  // first poll can fall between the two).
  await vi.waitFor(
    () => {
      expect(named("registry replication receive")).toHaveLength(1);
      expect(named("registry replication send")).toHaveLength(1);
    },
    { timeout: 5_000 },
  );
  const [registered] = named("registry register");
  expect(registered?.kind).toBe(SpanKind.SERVER);
  expect(registered?.spanContext().traceId).toBe(traceId);
  expect(registered?.parentSpanContext?.spanId).toBe(parentId);
  expect(registered?.attributes).toMatchObject({
    "outrigger.registry.app": "ORDERS",
    "outrigger.instance.id": "orders-1",
    "outrigger.registry.origin": "local",
    "outrigger.registry.outcome": "ok",
  });
  const [sent] = named("registry replication send");
  const [received] = named("registry replication receive");
  expect(sent?.kind).toBe(SpanKind.CLIENT);
  expect(sent?.attributes).toMatchObject({
    "outrigger.registry.peer": b.url,
    "server.port": Number(new URL(b.url).port),
    "outrigger.registry.replication.tasks": 1,
    "http.response.status_code": 200,
  });
  expect(received?.kind).toBe(SpanKind.SERVER);
  expect(received?.parentSpanContext?.spanId).toBe(sent?.spanContext().spanId);
  expect(received?.spanContext().traceId).toBe(sent?.spanContext().traceId);
  expect(received?.attributes).toMatchObject({
    "outrigger.registry.replication.tasks": 1,
    "outrigger.registry.replication.actions": ["Register:1"],
    "outrigger.registry.replication.failed": 0,
  });
  expect(received?.status.code).toBe(SpanStatusCode.UNSET);
});

it("a watch answer: one span from the request to the change that woke it, with the indexes", async () => {
  const current = await fetch(`${a.url}/outrigger/watch/apps/ORDERS?index=-1&wait=1s`);
  await current.text();
  const index = Number(current.headers.get("x-outrigger-index"));
  tracing.exporter.reset();
  // The held watch listens for the registry's changes: counting new listeners tells when it is held.
  const registry = a.registry;
  const listen = registry.onChange.bind(registry);
  let held = 0;
  registry.onChange = (listener) => {
    held += 1;
    return listen(listener);
  };
  const watching = fetch(`${a.url}/outrigger/watch/apps/ORDERS?index=${index}&wait=30s`);
  await vi.waitFor(() => expect(held).toBe(1));
  await (await register(a, "orders-2")).text();
  const woken = await watching;
  await woken.text();
  const answered = Number(woken.headers.get("x-outrigger-index"));
  expect(answered).toBeGreaterThan(index);
  await vi.waitFor(() => expect(named("registry watch")).toHaveLength(1));
  const [watch] = named("registry watch");
  const [registered] = named("registry register");
  expect(watch?.kind).toBe(SpanKind.SERVER);
  expect(watch?.attributes).toMatchObject({
    "outrigger.registry.app": "ORDERS",
    "outrigger.registry.watch.index": index,
    "outrigger.registry.watch.answered_index": answered,
    "outrigger.registry.watch.changed": true,
  });
  // The long poll began before the registration that answered it and ended after it. The SDK anchors each span to
  // Date.now() when it is made, so times of two spans compare to within Date.now()'s 1 ms; a duration is exact.
  expect(ms(watch?.startTime)).toBeLessThan(ms(registered?.startTime) + 1);
  expect(ms(watch?.endTime)).toBeGreaterThan(ms(registered?.endTime) - 1);
  expect(ms(watch?.duration)).toBeGreaterThan(ms(registered?.duration));
});

it("a span's duration is the monotonic clock's while the wall clock stands still or steps back", async () => {
  // A wall clock an hour behind the process's time origin and frozen (an NTP step, a VM resumed): a span ended at
  // Date.now() would end before its start and be clamped to zero (opentelemetry-js-contrib#1209).
  const wall = Date.now() - 3_600_000;
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  vi.useFakeTimers({ toFake: ["Date"], now: wall });
  try {
    tracing.exporter.reset();
    const answer = await register(a, "orders-3", { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(answer.status).toBe(204);
    await vi.waitFor(
      () => {
        expect(named("registry replication send").length).toBeGreaterThan(0);
        expect(named("registry replication receive").length).toBeGreaterThan(0);
      },
      { timeout: 5_000 },
    );
  } finally {
    vi.useRealTimers();
  }
  for (const span of tracing.spans()) expect(ms(span.duration), span.name).toBeGreaterThan(0);
  const [registered] = named("registry register");
  expect(registered?.spanContext().traceId).toBe(traceId);
  // Anchored to the wall clock the process reads, not to its time origin.
  expect(Math.abs(ms(registered?.startTime) - wall)).toBeLessThan(60_000);
});
