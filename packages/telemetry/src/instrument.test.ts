import { trace } from "@opentelemetry/api";
import { lbTraceChannels } from "@outrigger/loadbalancer";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryTracing, registerGlobals } from "./otel.fixture.js";

registerGlobals();

/** Sends one request through a fresh dispatcher; resolves with the headers the instance received. */
async function headersSent() {
  const fleet = await loopbackServers(["a"]);
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
  const answer = await request("http://svc/", { dispatcher });
  await answer.body.dump();
  await dispatcher.close();
  await fleet.close();
  return fleet.seen[0]?.headers;
}

it("with no SDK registered (the global no-op providers) nothing is subscribed: the request path publishes nothing", async () => {
  const instrumentation = instrumentOutrigger();
  for (const ch of Object.values(lbTraceChannels)) expect(ch.hasSubscribers).toBe(false);
  expect(await headersSent()).not.toHaveProperty("traceparent");
  instrumentation.close();
});

it("with an SDK registered globally, instrumentOutrigger() uses it", async () => {
  const tracing = memoryTracing();
  expect(trace.setGlobalTracerProvider(tracing.provider)).toBe(true);
  const instrumentation = instrumentOutrigger({ metrics: false });
  expect(await headersSent()).toHaveProperty("traceparent");
  expect(tracing.spans().map((s) => s.name)).toEqual(["GET", "GET svc"]);
  instrumentation.close();
  trace.disable();
});

it("close() unsubscribes: the request path publishes nothing again", async () => {
  const tracing = memoryTracing();
  const instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider });
  expect(await headersSent()).toHaveProperty("traceparent");
  instrumentation.close();
  instrumentation.close(); // twice is harmless
  for (const ch of Object.values(lbTraceChannels)) expect(ch.hasSubscribers).toBe(false);
  expect(await headersSent()).not.toHaveProperty("traceparent");
  expect(tracing.spans()).toHaveLength(2);
});
