// Policy messages (breaker transitions, rejections) name the context the policy was handed. Under the lb
// dispatcher's built-in retries that is an attempt's context, not the call's: the counters must still carry the
// service the call was made to, never "unknown".
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { composePolicies, createCircuitBreaker, createRetryPolicy, createTimeoutPolicy } from "@outrigger/resilience";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryMetrics } from "./otel.fixture.js";

describe("policy counters under the dispatcher's retries", () => {
  const reader = memoryMetrics();
  const instrumentation = instrumentOutrigger({ meterProvider: reader.provider, traces: false });
  afterAll(async () => {
    instrumentation.close();
    await reader.close();
  });

  it.each([
    ["the dispatcher's retries", (breaker: ReturnType<typeof createCircuitBreaker>) => breaker],
    [
      "a resilience retry and per-try timeout around the breaker",
      (breaker: ReturnType<typeof createCircuitBreaker>) =>
        composePolicies(
          createRetryPolicy({ maxAttempts: 2, initialDelayMs: 1 }),
          createTimeoutPolicy({ ms: 5_000 }),
          breaker,
        ),
    ],
  ])("count a breaker's transitions and refusals under the call's service (%s)", async (_name, wrap) => {
    const fleet = await loopbackServers(["a"], () => ({ status: 200 }));
    const dead = fleet.instance("a");
    await fleet.close();
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 60_000 });
    // Default retries on: the breaker sees each attempt's context.
    const dispatcher = createLbDispatcher({ balancer: () => balancerOver([dead]), policy: wrap(breaker) });
    await expect(request("http://inventory/x", { dispatcher })).rejects.toThrow();
    await expect(request("http://inventory/x", { dispatcher })).rejects.toMatchObject({
      code: "RESILIENCE_CIRCUIT_OPEN",
    });
    await dispatcher.close();
    const services = async (name: string) =>
      (await reader.points(name)).map((p) => (p.attributes as Record<string, unknown>)["outrigger.service"]);
    expect(new Set(await services("outrigger.resilience.breaker.transitions"))).toEqual(new Set(["inventory"]));
    expect(new Set(await services("outrigger.resilience.rejections"))).toEqual(new Set(["inventory"]));
  });
});
