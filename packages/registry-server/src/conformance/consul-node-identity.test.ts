import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";

/*
 * Rule (hashicorp/consul agent/config/builder.go: `NodeName` defaults to the host name, `AdvertiseAddrLAN` to the
 * bind address; agent/agent_endpoint.go `AgentSelf`: `Config.NodeName` and `Member`): every answer names the same
 * node — agent/self, each health and catalog entry's `Node`, the `serfHealth` check — and gives the node's own
 * address, not a service's. Replays issue 20 item 2: on main the node is always "outrigger" at the service's
 * address, and `--node-name` does not exist.
 */

interface HealthEntry {
  Node: { Node: string; Address: string; ID: string };
  Checks: { Node: string; CheckID: string }[];
}

describe("conformance: node identity (agent/config/builder.go, agent/agent_endpoint.go AgentSelf)", () => {
  let fixture: ConsulFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  const nodesSeen = async (f: ConsulFixture) => {
    await f.consul.agent.service.register({ name: "web", id: "web-1", address: "10.1.2.3", port: 80 } as never);
    const self = (await f.consul.agent.self()) as {
      Config: { NodeName: string; NodeID: string };
      Member: { Name: string; Addr: string };
    };
    const health = (await f.consul.health.service("web")) as HealthEntry[];
    const catalog = (await f.consul.catalog.service.nodes("web")) as { Node: string; Address: string }[];
    return { self, health, catalog };
  };

  it("--node-name and --advertise name the node in agent/self, every entry and serfHealth", async () => {
    fixture = await startConsulFixture(["--node-name", "edge-7", "--advertise", "192.0.2.7"]);
    const { self, health, catalog } = await nodesSeen(fixture);
    expect([self.Config.NodeName, self.Member.Name, self.Member.Addr]).toEqual(["edge-7", "edge-7", "192.0.2.7"]);
    expect(self.Config.NodeID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(health.map((e) => [e.Node.Node, e.Node.Address, e.Node.ID])).toEqual([
      ["edge-7", "192.0.2.7", self.Config.NodeID],
    ]);
    expect(health[0]?.Checks.map((c) => [c.CheckID, c.Node])).toEqual([["serfHealth", "edge-7"]]);
    expect(catalog.map((e) => [e.Node, e.Address])).toEqual([["edge-7", "192.0.2.7"]]);
  });

  it("the environment sets them too; by default the node is the host name at the bind address", async () => {
    fixture = await startConsulFixture([], { OUTRIGGER_REGISTRY_NODE_NAME: "from-env" });
    expect((await nodesSeen(fixture)).self.Config.NodeName).toBe("from-env");
    await fixture.close();
    fixture = await startConsulFixture();
    const { self, health } = await nodesSeen(fixture);
    expect([self.Config.NodeName, self.Member.Addr]).toEqual([hostname(), "127.0.0.1"]);
    expect(health[0]?.Node.Node).toBe(hostname());
  });
});
