// The service a figure is counted under comes from the call itself (core's `CallContext.service`), not from a map
// filled when telemetry saw the call start: a policy used outside the load balancer, or a call that started before
// telemetry subscribed, still names its service, and one instance object reached under two service names is counted
// under each.
import { describeCall } from "@outrigger/core";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createCircuitBreaker } from "@outrigger/resilience";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryMetrics } from "./otel.fixture.js";

describe("the service of a call's figures", () => {
  const reader = memoryMetrics();
  const instrumentation = instrumentOutrigger({ meterProvider: reader.provider, traces: false });
  afterAll(async () => {
    instrumentation.close();
    await reader.close();
  });
  const servicesOf = async (name: string) =>
    (await reader.points(name)).map((p) => [p.attributes["outrigger.service"], p.value] as const);

  it("a breaker run on a declared call, outside the load balancer, counts under the service the call names", async () => {
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 60_000 });
    const call = describeCall({ method: "POST", service: "payments" });
    const fail = () => Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    await expect(breaker.execute(fail, undefined, call)).rejects.toThrow("refused");
    await expect(breaker.execute(fail, undefined, call)).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    expect(await servicesOf("outrigger.resilience.breaker.transitions")).toEqual([["payments", 1]]);
    expect(await servicesOf("outrigger.resilience.rejections")).toEqual([["payments", 1]]);
  });

  it("one instance object behind two service names: each attempt's duration is under the service it was called as", async () => {
    const fleet = await loopbackServers(["shared"]);
    const instance = fleet.instance("shared");
    // Two balancers over the same instance object, as two lb:// names over one instancer give.
    const balancers = { inventory: balancerOver([instance]), stock: balancerOver([instance]) };
    const dispatcher = createLbDispatcher({ balancer: (service) => balancers[service as keyof typeof balancers] });
    await (await request("http://inventory/x", { dispatcher })).body.text();
    await (await request("http://stock/x", { dispatcher })).body.text();
    await dispatcher.close();
    for (const b of Object.values(balancers)) b.close();
    await fleet.close();
    const durations = (await reader.points("http.client.request.duration")).filter(
      (p) => p.attributes["server.port"] === instance.port,
    );
    expect(durations.map((p) => p.attributes["outrigger.service"]).sort()).toEqual(["inventory", "stock"]);
  });
});
