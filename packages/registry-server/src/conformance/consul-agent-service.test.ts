import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";
import { fields, SERVICE_FIELDS } from "./consul-shapes.js";

/*
 * `GET /v1/agent/service/:service_id` (hashicorp/consul agent/agent_endpoint.go AgentService, Agent.LocalBlockingQuery),
 * as the Go client's `Agent().Service(id, &QueryOptions{WaitHash, WaitTime})` sends it — Consul's sidecars and
 * registrators read their own registration back this way and watch it by hash. Rules: the answer is the
 * `/v1/agent/services` object plus `ContentHash`, also in `X-Consul-ContentHash`; an unknown id is 404
 * `unknown service ID: <id>`; with `?hash=` equal to the current hash the request holds until the definition changes
 * or `?wait=` ends; a different (stale) hash answers at once. On main the route was a 404 `unsupported endpoint`.
 */

type AgentService = Record<string, unknown> & { ID: string; Tags: string[]; ContentHash: string };

describe("conformance: one agent service, read and watched by content hash (AgentService)", () => {
  let f: ConsulFixture;
  const put = (path: string, body: unknown) => f.request(path, { method: "PUT", body: JSON.stringify(body) });
  const register = (tags: string[], meta: Record<string, string> = {}) =>
    put("/v1/agent/service/register", {
      Name: "web",
      ID: "web-1",
      Port: 80,
      Tags: tags,
      Meta: meta,
      Check: { TTL: "60s" },
    });
  const read = async (query = "") => {
    const answer = await f.request(`/v1/agent/service/web-1${query}`);
    expect(answer.status).toBe(200);
    const service = JSON.parse(answer.body) as AgentService;
    expect(answer.headers.get("x-consul-contenthash")).toBe(service.ContentHash);
    // Consul sends no X-Consul-Index with a hash-based answer (api.go parseQueryMeta): a client would watch it.
    expect(answer.headers.get("x-consul-index")).toBeNull();
    return { service, ms: answer.ms };
  };

  beforeAll(async () => {
    f = await startConsulFixture();
    expect((await register(["blue"])).status).toBe(200);
  });
  afterAll(() => f.close());

  it("answers the agent-services object with its ContentHash; an unknown id is Consul's 404", async () => {
    const { service } = await read();
    expect(fields(service)).toEqual([...SERVICE_FIELDS, "ContentHash"].sort());
    expect(service).toMatchObject({ ID: "web-1", Service: "web", Port: 80, Tags: ["blue"] });
    expect(service.ContentHash).toMatch(/^[0-9a-f]{16}$/);
    const listed = JSON.parse((await f.request("/v1/agent/services")).body) as Record<string, unknown>;
    const { ContentHash: _hash, ...rest } = service;
    expect(listed["web-1"]).toEqual(rest);
    const unknown = await f.request("/v1/agent/service/web-9");
    expect([unknown.status, unknown.body]).toEqual([404, "unknown service ID: web-9"]);
    // Even with a hash to hold on: the 404 comes at once.
    expect((await f.request("/v1/agent/service/web-9?hash=abc&wait=5m")).status).toBe(404);
  });

  it("a hash that is not the current one answers at once; a bad wait is Consul's 400", async () => {
    const { service, ms } = await read("?hash=0123456789abcdef&wait=5m");
    expect(service.ID).toBe("web-1");
    expect(ms).toBeLessThan(60_000);
    const bad = await f.request(`/v1/agent/service/web-1?hash=${service.ContentHash}&wait=soon`);
    expect([bad.status, bad.body]).toEqual([400, "Invalid wait time"]);
  });

  it("held on the current hash: a health change is no change, the hold ends with the wait, same hash", async () => {
    const before = (await read()).service;
    const held = read(`?hash=${before.ContentHash}&wait=1s`);
    // A TTL pass moves the registry's indexes (the service turns passing) but not the definition.
    expect((await f.request("/v1/agent/check/pass/service:web-1", { method: "PUT" })).status).toBe(200);
    const after = await held;
    expect(after.service.ContentHash).toBe(before.ContentHash);
    expect(after.ms).toBeGreaterThanOrEqual(990); // held for the whole wait, not answered on the pass
  });

  it("held on the current hash: a new definition wakes it with the new hash", async () => {
    const before = (await read()).service;
    const held = read(`?hash=${before.ContentHash}&wait=10m`);
    expect((await register(["green"])).status).toBe(200);
    const after = await held; // on a missed wake-up this holds for 10 minutes and the test times out
    expect(after.service.Tags).toEqual(["green"]);
    expect(after.service.ContentHash).not.toBe(before.ContentHash);
  });

  it("held on the current hash: the same Meta in another key order is no change (a map has no order)", async () => {
    expect((await register(["green"], { a: "1", b: "2" })).status).toBe(200);
    const before = (await read()).service;
    const held = read(`?hash=${before.ContentHash}&wait=1s`);
    expect((await register(["green"], { b: "2", a: "1" })).status).toBe(200);
    const after = await held;
    expect(after.service.ContentHash).toBe(before.ContentHash);
    expect(after.ms).toBeGreaterThanOrEqual(990);
  });

  it("held on the current hash: a deregistration wakes it with the 404", async () => {
    const before = (await read()).service;
    const held = f.request(`/v1/agent/service/web-1?hash=${before.ContentHash}&wait=10m`);
    expect((await f.request("/v1/agent/service/deregister/web-1", { method: "PUT" })).status).toBe(200);
    const answer = await held;
    expect([answer.status, answer.body]).toEqual([404, "unknown service ID: web-1"]);
  });
});
