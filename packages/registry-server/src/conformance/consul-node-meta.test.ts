import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";

/*
 * Rule (hashicorp/consul agent/http.go `parseMetaFilter` and `ParseMetaPair`, structs `SatisfiesMetaFilters`;
 * agent/agent.go `loadMetadata`): `?node-meta=key:value` (repeatable; no colon: an empty value; a later pair for a
 * key wins) keeps only nodes whose meta has every key with exactly that value, on catalog/nodes, catalog/services,
 * catalog/service, health/service, health/checks and health/state. An agent's own meta is
 * `consul-network-segment: ""` (its /v1/agent/self `Meta`); the leader adds `consul-version` to the node in the
 * catalog (agent/consul/leader_registrator_v1.go). Replays Prometheus's consul_sd `node_meta`, which sends it:
 * on main the filter was ignored (every service came back for any node meta) and the node's Meta was `{}`.
 */

const ENDPOINTS: [string, unknown][] = [
  ["/v1/catalog/nodes", []],
  ["/v1/catalog/services", {}],
  ["/v1/catalog/service/web", []],
  ["/v1/health/service/web", []],
  ["/v1/health/checks/web", []],
  ["/v1/health/state/any", []],
];

describe("conformance: ?node-meta= (agent/http.go parseMetaFilter, structs.SatisfiesMetaFilters)", () => {
  let f: ConsulFixture;
  beforeAll(async () => {
    f = await startConsulFixture();
    await f.consul.agent.service.register({ name: "web", id: "web-1", port: 80, check: { ttl: "60s" } } as never);
  });
  afterAll(() => f.close());

  const get = async (path: string): Promise<unknown> => JSON.parse((await f.request(path)).body);

  it("shows the node's meta: the default network segment, and in the catalog the version", async () => {
    const meta = { "consul-network-segment": "", "consul-version": "1.17.0" };
    expect(((await get("/v1/catalog/nodes")) as { Meta: unknown }[])[0]?.Meta).toEqual(meta);
    expect(((await get("/v1/catalog/service/web")) as { NodeMeta: unknown }[])[0]?.NodeMeta).toEqual(meta);
    expect(((await get("/v1/health/service/web")) as { Node: { Meta: unknown } }[])[0]?.Node.Meta).toEqual(meta);
    expect(((await get("/v1/agent/self")) as { Meta: unknown }).Meta).toEqual({ "consul-network-segment": "" });
  });

  it("answers in full when the node matches every pair, and empty when it does not, on each endpoint", async () => {
    const matching = [
      "node-meta=consul-network-segment:",
      "node-meta=consul-network-segment",
      "node-meta=consul-version:1.17.0&node-meta=consul-network-segment:",
      "node-meta=consul-version:0.1&node-meta=consul-version:1.17.0",
    ];
    const failing = [
      "node-meta=rack:r1",
      "node-meta=consul-version:1.16.0",
      "node-meta=consul-version",
      "node-meta=consul-network-segment:&node-meta=rack:",
      "node-meta=consul-version:1.17.0&node-meta=consul-version:0.1",
    ];
    for (const [path, empty] of ENDPOINTS) {
      const all = await get(path);
      expect([path, all]).not.toEqual([path, empty]);
      for (const q of matching) expect([path, q, await get(`${path}?${q}`)]).toEqual([path, q, all]);
      for (const q of failing) expect([path, q, await get(`${path}?${q}`)]).toEqual([path, q, empty]);
    }
  });
});
