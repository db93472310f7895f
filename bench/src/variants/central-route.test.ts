import { RegistryWatchInstancer, type ServiceInstance } from "@outrigger/discovery";
import { parseRegistration, type RunningServer, startServer } from "@outrigger/registry-server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { canaryLabels, putCentralPolicy, routeAllTo } from "../scenarios/central-policy.js";
import { createCentralRoute, type PolicyUpdate, routeShift } from "./central-route.js";

const instance = (id: string): ServiceInstance => ({
  id,
  service: "upstream",
  host: "127.0.0.1",
  port: 1,
  secure: false,
  status: "UP",
  metadata: canaryLabels(id),
});
const fleet = ["u0", "u1", "u2"].map(instance);
const update = (policy: unknown, revision = 1): PolicyUpdate => ({
  service: "UPSTREAM",
  revision,
  policy: policy as PolicyUpdate["policy"],
});

describe("routeShift: the instances a revision sends nothing to", () => {
  it("keeps every instance without routes, and only the route's subset with one", () => {
    expect(routeShift(update(null, 0), fleet)).toEqual({ excluded: new Set() });
    expect(routeShift(update({ destination: {} }), fleet)).toEqual({ excluded: new Set() });
    expect(routeShift(update(routeAllTo("v1")), fleet)).toEqual({ excluded: new Set(["u0"]) });
    expect(routeShift(update(routeAllTo("v2")), fleet)).toEqual({ excluded: new Set(["u1", "u2"]) });
  });

  it("sends to the union of the subsets with weight above 0, and to every instance for a target without one", () => {
    const split = (weights: [number, number]) => ({
      ...routeAllTo("v1"),
      routes: [
        {
          route: [
            { subset: "v1", weight: weights[0] },
            { subset: "v2", weight: weights[1] },
          ],
        },
      ],
    });
    expect(routeShift(update(split([95, 5])), fleet)).toEqual({ excluded: new Set() });
    expect(routeShift(update(split([100, 0])), fleet)).toEqual({ excluded: new Set(["u0"]) });
    expect(routeShift(update({ routes: [{ route: [{}] }] }), fleet)).toEqual({ excluded: new Set() });
  });

  it("refuses a revision the schema refused, and a first route with match conditions (the bench applies neither)", () => {
    expect(routeShift({ ...update(null, 4), issues: ["policy.routes: bad"] }, fleet)).toEqual({
      refused: "policy.routes: bad",
    });
    const matched = {
      ...routeAllTo("v1"),
      routes: [{ match: [{ uri: { prefix: "/a" } }], route: [{ subset: "v1" }] }],
    };
    expect(routeShift(update(matched), fleet)).toHaveProperty("refused");
  });
});

describe("createCentralRoute against a real registry", () => {
  let registry: RunningServer | undefined;
  let instancer: RegistryWatchInstancer | undefined;
  afterEach(async () => {
    instancer?.close();
    await registry?.close();
  });

  /** The next revision the watch delivers (listeners run in order: the central route has applied it by then). */
  const nextPolicy = (watch: RegistryWatchInstancer): Promise<PolicyUpdate> =>
    new Promise((resolve) => {
      const subscription = watch.onPolicy((u) => {
        subscription.dispose();
        resolve(u);
      });
    });
  const reports = async (url: string) => {
    const response = await fetch(`${url}/outrigger/policy/reports`, { headers: { accept: "application/json" } });
    return ((await response.json()) as { reports: Array<Record<string, unknown>> }).reports;
  };

  it("applies each revision pushed in the watch answer, ACKs it, and NACKs one it cannot apply keeping the last", async () => {
    const server = await startServer({ port: 0, host: "127.0.0.1", logLevel: false });
    registry = server;
    const { url } = server;
    for (const id of ["u0", "u1"]) {
      const instance = {
        instanceId: id,
        app: "upstream",
        hostName: "127.0.0.1",
        ipAddr: "127.0.0.1",
        metadata: canaryLabels(id),
      };
      server.registry.register(
        parseRegistration({ instance: { ...instance, dataCenterInfo: { name: "MyOwn" } } }, "upstream", Date.now()),
      );
    }
    expect(await putCentralPolicy(url, routeAllTo("v1"))).toBe(1);
    const watch = new RegistryWatchInstancer({ registryUrl: `${url}/eureka`, service: "upstream" });
    instancer = watch;
    const route = createCentralRoute(watch, "bench-test");
    const first = nextPolicy(watch);
    expect((await first).revision).toBe(1);
    expect([...route.drained()]).toEqual(["u0"]);
    // The revision the client started under is not a change: nothing to time yet.
    expect(route.appliedAt()).toBeNaN();

    const second = nextPolicy(watch);
    await putCentralPolicy(url, routeAllTo("v2"));
    expect((await second).revision).toBe(2);
    expect([...route.drained()]).toEqual(["u1"]);
    expect(route.appliedAt()).toBeGreaterThan(0);
    await vi.waitFor(async () =>
      expect(await reports(url)).toContainEqual(
        expect.objectContaining({ process: "bench-test", revision: 2, status: "ACK" }),
      ),
    );

    const third = nextPolicy(watch);
    await putCentralPolicy(url, {
      ...routeAllTo("v1"),
      routes: [{ match: [{ uri: { prefix: "/a" } }], route: [{ subset: "v1" }] }],
    });
    expect((await third).revision).toBe(3);
    expect([...route.drained()]).toEqual(["u1"]);
    await vi.waitFor(async () =>
      expect(await reports(url)).toContainEqual(
        expect.objectContaining({ process: "bench-test", revision: 3, status: "NACK" }),
      ),
    );
    route.close();
  });
});
