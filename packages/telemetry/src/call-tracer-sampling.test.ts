// A call its sampler drops (ParentBased(AlwaysOff), sdk-trace-base's Sampler.ts): no span is exported, yet the
// attempt still carries a traceparent with the sampled flag off (w3c/trace-context "trace-flags"), so the callee
// does not sample either; the attempt's attributes are not built for a span nobody records.
import { context, trace } from "@opentelemetry/api";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, registerGlobals } from "./otel.fixture.js";

registerGlobals();

it("a dropped call exports no span and sends a traceparent with the sampled flag off", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const instrumentation = instrumentOutrigger({ tracerProvider: provider, metrics: false });
  const fleet = await loopbackServers(["a"]);
  const dispatcher = createLbDispatcher({ balancer: () => balancerOver([fleet.instance("a")]) });
  const root = provider.getTracer("test").startSpan("handler");
  expect(root.isRecording()).toBe(false);
  const answer = await context.with(trace.setSpan(context.active(), root), () =>
    request("http://svc/x", { dispatcher }),
  );
  await answer.body.dump();
  root.end();
  const sent = fleet.seen[0]?.headers.traceparent as string;
  expect(sent).toMatch(new RegExp(`^00-${root.spanContext().traceId}-[0-9a-f]{16}-00$`));
  expect(exporter.getFinishedSpans()).toEqual([]);
  instrumentation.close();
  await dispatcher.close();
  await fleet.close();
});
