import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../e2e/spawn-registry.js";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";
import { fields, HEALTH_CHECK_FIELDS, MEMBER_FIELDS } from "./consul-shapes.js";

/*
 * Rules (hashicorp/consul agent/agent_endpoint.go: AgentRegisterCheck, AgentDeregisterCheck, AgentChecks with
 * `filter`, AgentNodeMaintenance, AgentMembers, AgentJoin, AgentForceLeave): checks registered on a service or on
 * the node itself (no ServiceID), node maintenance that takes every service out of `?passing`, the members list,
 * and membership calls this registry refuses clearly. Through the unmodified `consul` client. Replays issue 20
 * item 3: on main each of these answers 404.
 */

type Check = Record<string, unknown> & { CheckID: string; Status: string; ServiceID: string; Output: string };
type Entry = { Service: { ID: string }; Checks: Check[] };

describe("conformance: agent check, maintenance and member endpoints (agent/agent_endpoint.go)", () => {
  let f: ConsulFixture;
  let peerPort = 0;
  beforeAll(async () => {
    peerPort = await freePort(); // a peer that is down: listed, as Consul lists a failed member
    f = await startConsulFixture([
      "--node-name",
      "node-b",
      "--peer",
      `http://user:secret@127.0.0.1:${peerPort}/eureka`,
    ]);
    await f.consul.agent.service.register({ name: "web", id: "web-1", port: 80, tags: ["blue"] } as never);
  });
  afterAll(() => f.close());

  const passingIds = async () =>
    ((await f.consul.health.service({ service: "web", passing: true })) as Entry[]).map((e) => e.Service.ID);

  it("agent.check.register adds a TTL check to a service and a service-less check to the node; deregister removes them", async () => {
    await f.consul.agent.check.register({ name: "disk", id: "disk", ttl: "60s", status: "passing" } as never);
    await f.consul.agent.check.register({
      name: "web-ready",
      id: "web-ready",
      serviceid: "web-1",
      ttl: "60s",
    } as never);
    const checks = (await f.consul.agent.check.list()) as unknown as Record<string, Check>;
    expect(Object.values(checks).map((c) => [c.CheckID, c.ServiceID, c.Status])).toEqual([
      ["disk", "", "passing"],
      ["web-ready", "web-1", "critical"],
    ]);
    for (const check of Object.values(checks)) expect(fields(check)).toEqual(HEALTH_CHECK_FIELDS);
    expect(await passingIds()).toEqual([]); // its new check starts critical
    await f.consul.agent.check.pass("web-ready");
    expect(await passingIds()).toEqual(["web-1"]);
    // A node check counts for every service on the node, as in Consul.
    await f.consul.agent.check.fail({ id: "disk", note: "full" } as never);
    expect(await passingIds()).toEqual([]);
    const entry = ((await f.consul.health.service("web")) as Entry[])[0];
    expect(entry?.Checks.map((c) => [c.CheckID, c.Status])).toEqual([
      ["serfHealth", "passing"],
      ["disk", "critical"],
      ["web-ready", "passing"],
    ]);
    await f.consul.agent.check.deregister("disk");
    expect(await passingIds()).toEqual(["web-1"]);
    await f.consul.agent.check.deregister("web-ready");
    const missing = await f.request("/v1/agent/check/deregister/disk", { method: "PUT" });
    expect([missing.status, missing.body]).toEqual([
      404,
      'Unknown check ID "disk". Ensure that the check ID is passed, not the check name.',
    ]);
    const orphan = await f.request("/v1/agent/check/register", {
      method: "PUT",
      body: JSON.stringify({ Name: "x", ServiceID: "nobody", TTL: "1s" }),
    });
    // Consul's AgentRegisterCheck: a 404, its text verbatim.
    expect([orphan.status, orphan.body]).toEqual([404, 'ServiceID "nobody" does not exist']);
  });

  it("agent.checks takes Consul's filter expressions", async () => {
    await f.consul.agent.check.register({ name: "a", id: "a", ttl: "60s", status: "passing" } as never);
    await f.consul.agent.check.register({ name: "b", id: "b", serviceid: "web-1", ttl: "60s" } as never);
    const ids = async (filter: string) => Object.keys((await f.consul.agent.check.list({ filter })) as object).sort();
    expect(await ids('Status == "passing"')).toEqual(["a"]);
    expect(await ids('ServiceID == "web-1" and Status != "passing"')).toEqual(["b"]);
    expect(await ids('"blue" in ServiceTags or CheckID == "a"')).toEqual(["a", "b"]);
    expect(await ids("ServiceID is empty")).toEqual(["a"]);
    const bad = await f.request(`/v1/agent/checks?filter=${encodeURIComponent("Status ===")}`);
    expect([bad.status, bad.body.length < 80]).toEqual([400, true]);
    await f.consul.agent.check.deregister("a");
    await f.consul.agent.check.deregister("b");
  });

  it("agent.maintenance puts the node in maintenance: every service leaves ?passing until it is off", async () => {
    await f.consul.agent.maintenance({ enable: true, reason: "kernel upgrade" });
    const checks = (await f.consul.health.node("node-b")) as unknown as Check[];
    expect(checks.find((c) => c.CheckID === "_node_maintenance")).toMatchObject({
      Status: "critical",
      Notes: "kernel upgrade",
      ServiceID: "",
    });
    expect(await passingIds()).toEqual([]);
    await f.consul.agent.maintenance(false);
    expect(await passingIds()).toEqual(["web-1"]);
    const bad = await f.request("/v1/agent/maintenance?enable=maybe", { method: "PUT" });
    expect([bad.status, bad.body]).toEqual([400, 'Invalid value for enable: "maybe"']);
  });

  it("agent.members lists this node and the registry's peers (no userinfo); join and force-leave are refused clearly", async () => {
    const members = (await f.consul.agent.members()) as Record<string, unknown>[];
    expect(members.map((m) => [m.Name, m.Addr])).toEqual([
      ["node-b", "127.0.0.1"],
      [`127.0.0.1:${peerPort}`, "127.0.0.1"],
    ]);
    for (const member of members) expect(fields(member)).toEqual(MEMBER_FIELDS);
    expect([members[0]?.Status, members[1]?.Port]).toEqual([1, peerPort]);
    expect(JSON.stringify(members)).not.toContain("secret");
    await expect(f.consul.agent.join("10.0.0.9")).rejects.toMatchObject({
      message: "unsupported endpoint: /v1/agent/join",
    });
    await expect(f.consul.agent.forceLeave("node-x")).rejects.toMatchObject({
      message: "unsupported endpoint: /v1/agent/force-leave",
    });
    const join = await f.request("/v1/agent/join/10.0.0.9", { method: "PUT" });
    expect([join.status, join.headers.get("x-outrigger-error-detail")]).toEqual([
      501,
      "membership is static: peers are set with --peer at start",
    ]);
  });
});
