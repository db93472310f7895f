// Field reports replayed over real HTTP on loopback: Consul filters that index a map key with "-" or "." in it
// (hashicorp/consul#17992, #9941; consul-k8s#429: `Service.Meta["pod-name"]`) and `matches` (go-bexpr grammar.peg
// `MatchMatches`) were answered 400 by our registry, which Consul accepts. A Eureka instance's dotted metadata key
// (`management.port`, Spring Boot's) shows as Consul Meta and is reachable the same way.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";

let app: ReturnType<typeof buildApp>;
let base: string;

beforeAll(async () => {
  app = buildApp({ registry: new Registry(), consul: { node: { name: "n1", address: "127.0.0.1" } } });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  for (const [id, pod] of [
    ["web-1", "p1"],
    ["web-2", "p2"],
  ]) {
    const body = { Name: "web", ID: id, Port: 80, Meta: { "pod-name": pod }, Check: { TTL: "60s", Status: "passing" } };
    const put = await fetch(`${base}/v1/agent/service/register`, { method: "PUT", body: JSON.stringify(body) });
    expect(put.status).toBe(200);
  }
  const instance = registration("orders-1", { app: "ORDERS", metadata: { "management.port": "8081" } });
  const post = await fetch(`${base}/eureka/apps/ORDERS`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(instance),
  });
  expect(post.status).toBe(204);
});
afterAll(() => app.close());

const ids = async (path: string, filter: string) => {
  const response = await fetch(`${base}${path}?filter=${encodeURIComponent(filter)}`);
  const body = (await response.json()) as { Service?: { ID: string }; ServiceID?: string }[];
  expect(response.status).toBe(200);
  return body.map((e) => e.Service?.ID ?? e.ServiceID);
};

describe("Consul ?filter= selectors and matches, as go-bexpr parses them", () => {
  it('Service.Meta["pod-name"] on /v1/health/service and ServiceMeta["pod-name"] on /v1/catalog/service', async () => {
    expect(await ids("/v1/health/service/web", 'Service.Meta["pod-name"] == "p1"')).toEqual(["web-1"]);
    expect(await ids("/v1/catalog/service/web", 'ServiceMeta["pod-name"] != "p1"')).toEqual(["web-2"]);
  });

  it('a Eureka instance\'s dotted metadata key: Service.Meta["management.port"]', async () => {
    expect(await ids("/v1/health/service/orders", 'Service.Meta["management.port"] == "8081"')).toEqual(["orders-1"]);
  });

  it("matches and not matches with Go's regexp syntax; a bad pattern is Consul's plain-text 400", async () => {
    expect(await ids("/v1/health/service/web", 'Service.ID matches "-2$"')).toEqual(["web-2"]);
    expect(await ids("/v1/health/service/web", 'Service.Meta["pod-name"] not matches "^p[2-9]"')).toEqual(["web-1"]);
    const bad = await fetch(`${base}/v1/health/service/web?filter=${encodeURIComponent('Service.ID matches "("')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^Failed to compile regular expression/);
  });
});
