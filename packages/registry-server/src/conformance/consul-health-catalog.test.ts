import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, registerEureka, startConsulFixture } from "./consul-fixture.js";
import {
  CATALOG_SERVICE_FIELDS,
  fields,
  HEALTH_CHECK_FIELDS,
  NODE_FIELDS,
  SERVICE_ENTRY_FIELDS,
  SERVICE_FIELDS,
} from "./consul-shapes.js";

/*
 * Rules (hashicorp/consul agent/health_endpoint.go: HealthNodeChecks, HealthServiceChecks, HealthChecksInState;
 * agent/catalog_endpoint.go: CatalogDatacenters, CatalogNodes, CatalogNodeServices, CatalogServices): the node
 * and check endpoints a Consul user's tooling calls, with Consul's shapes, through the unmodified `consul` client.
 * A server lists itself as the `consul` service (agent/consul/leader.go). Replays issue 20 item 3: on main each of
 * these answers 404 and `consul` is not in the service list.
 */

type Check = Record<string, unknown> & { CheckID: string; Status: string; ServiceID: string };

describe("conformance: health and catalog node/check endpoints (agent/health_endpoint.go, agent/catalog_endpoint.go)", () => {
  let f: ConsulFixture;
  beforeAll(async () => {
    f = await startConsulFixture(["--node-name", "node-a", "--advertise", "192.0.2.10"]);
    await f.consul.agent.service.register({
      name: "api",
      id: "api-1",
      port: 81,
      tags: ["v1"],
      check: { ttl: "60s" },
    } as never);
    await f.consul.agent.check.pass("service:api-1");
    await registerEureka(f.url, "LEGACY", "legacy-1");
  });
  afterAll(() => f.close());

  it("health.node lists the node's checks (serfHealth first) and every service's; another node has none", async () => {
    const checks = (await f.consul.health.node("node-a")) as unknown as Check[];
    expect(checks.map((c) => [c.CheckID, c.Status, c.ServiceID])).toEqual([
      ["serfHealth", "passing", ""],
      ["service:api-1", "passing", "api-1"],
      ["service:legacy-1", "passing", "legacy-1"],
    ]);
    for (const check of checks) expect(fields(check)).toEqual(HEALTH_CHECK_FIELDS);
    expect(await f.consul.health.node("elsewhere")).toEqual([]);
  });

  it("health.checks lists one service's checks", async () => {
    const checks = (await f.consul.health.checks("api")) as unknown as Check[];
    expect(checks.map((c) => [c.CheckID, c.Status, c.Node])).toEqual([["service:api-1", "passing", "node-a"]]);
    expect(fields(checks[0])).toEqual(HEALTH_CHECK_FIELDS);
    expect(await f.consul.health.checks("none")).toEqual([]);
  });

  it("health.state answers any, passing, warning and critical; an unknown state is a short 400", async () => {
    await f.consul.agent.service.register({ name: "down", id: "down-1", port: 82, check: { ttl: "60s" } } as never);
    const ids = async (state: string) =>
      ((await f.consul.health.state(state as never)) as unknown as Check[]).map((c) => c.CheckID).sort();
    expect(await ids("any")).toEqual(["serfHealth", "service:api-1", "service:down-1", "service:legacy-1"]);
    expect(await ids("passing")).toEqual(["serfHealth", "service:api-1", "service:legacy-1"]);
    expect(await ids("critical")).toEqual(["service:down-1"]);
    expect(await ids("warning")).toEqual([]);
    const bad = await f.request("/v1/health/state/fine");
    expect([bad.status, bad.body]).toEqual([400, 'Invalid check state: "fine"']);
    await f.consul.agent.service.deregister("down-1");
  });

  it("catalog.node.list, catalog.node.services and catalog.datacenters describe this one node", async () => {
    const nodes = (await f.consul.catalog.node.list()) as Record<string, unknown>[];
    expect(nodes.map((n) => [n.Node, n.Address, n.Datacenter])).toEqual([["node-a", "192.0.2.10", "dc1"]]);
    expect(fields(nodes[0])).toEqual(NODE_FIELDS);
    const one = (await f.consul.catalog.node.services("node-a")) as {
      Node: Record<string, unknown>;
      Services: Record<string, Record<string, unknown>>;
    };
    expect([one.Node.Node, one.Node.Address]).toEqual(["node-a", "192.0.2.10"]);
    expect(Object.keys(one.Services).sort()).toEqual(["api-1", "consul", "legacy-1"]);
    expect([one.Services.consul?.Service, one.Services.consul?.Port]).toEqual(["consul", 8300]);
    for (const service of Object.values(one.Services)) expect(fields(service)).toEqual(SERVICE_FIELDS);
    expect(await f.consul.catalog.node.services("elsewhere")).toBeUndefined(); // the client reads `null` so
    expect((await f.request("/v1/catalog/node/elsewhere")).body).toBe("null");
    expect(await f.consul.catalog.datacenters()).toEqual(["dc1"]);
  });

  it("health.service, catalog.service.nodes and agent.service.list keep Consul's shapes, for both protocols", async () => {
    for (const service of ["api", "legacy"]) {
      const [entry] = (await f.consul.health.service(service)) as Record<string, unknown>[];
      expect(fields(entry)).toEqual(SERVICE_ENTRY_FIELDS);
      expect([fields(entry?.Node), fields(entry?.Service)]).toEqual([NODE_FIELDS, SERVICE_FIELDS]);
      for (const check of (entry?.Checks ?? []) as unknown[]) expect(fields(check)).toEqual(HEALTH_CHECK_FIELDS);
      const [row] = (await f.consul.catalog.service.nodes(service)) as unknown[];
      expect(fields(row)).toEqual(CATALOG_SERVICE_FIELDS);
    }
    const agentServices = (await f.consul.agent.service.list()) as Record<string, unknown>;
    expect(Object.values(agentServices).map(fields)).toEqual([SERVICE_FIELDS]);
  });

  it("catalog.service.list includes the consul service, and health.service finds it on the node", async () => {
    expect(await f.consul.catalog.service.list()).toEqual({ consul: [], api: ["v1"], legacy: [] });
    const consul = (await f.consul.health.service("consul")) as { Node: { Node: string }; Service: { Port: number } }[];
    expect(consul.map((e) => [e.Node.Node, e.Service.Port])).toEqual([["node-a", 8300]]);
  });
});
