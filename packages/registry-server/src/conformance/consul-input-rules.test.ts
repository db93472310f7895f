import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture, WatchEvents } from "./consul-fixture.js";

/*
 * Consul's input rules, each from its source:
 * - agent/http.go `parseWait`: `wait` is a Go duration (`time.ParseDuration`); `?wait=30` or garbage is 400
 *   `Invalid wait time`; agent/consul/rpc.go caps it at 10 minutes. On main `?wait=30` was read as 30 ns and
 *   answered at once, so `consul.watch` with `wait: "30"` spun (issue 14 item 6: 649 requests in 2 s).
 * - agent/agent.go (snapshotCheckState / restoreCheckState, hashicorp/consul#868; AddCheck, #4904): registering a
 *   service or a check again keeps its checks' status and output. On main a passing TTL check went critical.
 * - Registration fields a server does not implement are refused with a 400 that names them (api/agent.go
 *   `AgentServiceRegistration`: Kind, Proxy, Connect...), never dropped; script checks likewise.
 * - KV and the other refused families answer an explicit error status with a short text body, so the `consul`
 *   client shows it (papi shows a text/plain body under 80 characters as the message). On main `kv.get` resolved
 *   `undefined`, as for a missing key (issue 20 item 4).
 */

describe("conformance: Consul's input rules (agent/http.go parseWait, agent/agent.go, api/agent.go)", () => {
  let f: ConsulFixture;
  beforeAll(async () => {
    f = await startConsulFixture();
  });
  afterAll(() => f.close());

  it("reads wait as a Go duration: ?wait=30 and garbage are 400 Invalid wait time, with or without an index", async () => {
    for (const wait of ["30", "soon", "5 s", "1d"]) {
      for (const query of [`wait=${encodeURIComponent(wait)}`, `index=1&wait=${encodeURIComponent(wait)}`]) {
        const answer = await f.request(`/v1/health/service/x?${query}`);
        expect([query, answer.status, answer.body]).toEqual([query, 400, "Invalid wait time"]);
      }
    }
    for (const wait of ["30s", "1m30s", "250ms", "0", "1h"]) {
      expect((await f.request(`/v1/catalog/services?wait=${wait}`)).status).toBe(200);
    }
  });

  it("a consul.watch with wait '30' gets an error, not a stream of answers", async () => {
    const watch = f.consul.watch({
      method: f.consul.health.service,
      options: { service: "x", wait: "30" },
      backoffFactor: 1000,
    });
    const events = new WatchEvents<unknown[]>(watch);
    try {
      const first = await Promise.race([
        events.nextError().then((error) => ({ error })),
        events.next(() => true).then(() => ({ error: undefined })),
      ]);
      expect((first.error as Error | undefined)?.message).toBe("Invalid wait time");
      expect(events.count).toBe(0);
    } finally {
      watch.end();
    }
  });

  it("re-registering a service keeps its checks' status and output (hashicorp/consul#868); so does a check", async () => {
    const service = { name: "keep", id: "keep-1", port: 1, check: { ttl: "60s" } };
    await f.consul.agent.service.register(service as never);
    await f.consul.agent.check.pass({ id: "service:keep-1", note: "warmed up" } as never);
    await f.consul.agent.service.register({ ...service, tags: ["v2"] } as never);
    const checks = (await f.consul.health.checks("keep")) as { Status: string; Output: string }[];
    expect(checks.map((c) => [c.Status, c.Output])).toEqual([["passing", "warmed up"]]);
    expect(((await f.consul.health.service({ service: "keep", passing: true })) as unknown[]).length).toBe(1);

    await f.consul.agent.check.register({ name: "extra", id: "extra", serviceid: "keep-1", ttl: "60s" } as never);
    await f.consul.agent.check.warn({ id: "extra", note: "slow" } as never);
    await f.consul.agent.check.register({ name: "extra", id: "extra", serviceid: "keep-1", ttl: "60s" } as never);
    const after = (await f.consul.health.checks("keep")) as { CheckID: string; Status: string; Output: string }[];
    expect(after.map((c) => [c.CheckID, c.Status, c.Output])).toEqual([
      ["service:keep-1", "passing", "warmed up"],
      ["extra", "warning", "slow"],
    ]);
    // Checks added on their own stay when the service is registered again (replace-existing-checks=false).
    await f.consul.agent.service.register(service as never);
    expect(((await f.consul.health.checks("keep")) as unknown[]).length).toBe(2);
  });

  it("re-registering keeps the checks a new definition leaves out; ?replace-existing-checks removes them", async () => {
    // agent/agent.go addServiceInternal: the service's existing checks stay unless replace-existing-checks, which
    // agent_endpoint.go reads as on when its first value is empty or "true". On main an earlier definition's check
    // was dropped without the flag, and one added with check/register survived it.
    const put = (checks: string[], query = "") =>
      f.request(`/v1/agent/service/register${query}`, {
        method: "PUT",
        body: JSON.stringify({ Name: "swap", ID: "swap-1", Checks: checks.map((id) => ({ CheckID: id, TTL: "60s" })) }),
      });
    const ids = async () =>
      ((await f.consul.health.checks("swap")) as { CheckID: string }[]).map((c) => c.CheckID).sort();
    expect((await put(["a"])).status).toBe(200);
    await f.consul.agent.check.register({ name: "own", id: "own", serviceid: "swap-1", ttl: "60s" } as never);
    expect((await put(["b"])).status).toBe(200);
    expect(await ids()).toEqual(["a", "b", "own"]);
    for (const off of [
      "?replace-existing-checks=1",
      "?replace-existing-checks=True",
      "?replace-existing-checks=false",
    ]) {
      expect((await put(["b"], off)).status).toBe(200);
      expect([off, await ids()]).toEqual([off, ["a", "b", "own"]]);
    }
    expect((await put(["c"], "?replace-existing-checks")).status).toBe(200);
    expect(await ids()).toEqual(["c"]);
    await f.consul.agent.check.register({ name: "own", id: "own", serviceid: "swap-1", ttl: "60s" } as never);
    expect((await put(["c", "d"], "?replace-existing-checks=true")).status).toBe(200);
    expect(await ids()).toEqual(["c", "d"]);
    await f.consul.agent.service.deregister("swap-1");
  });

  it("refuses registration fields it does not implement with a 400 naming them, and script checks", async () => {
    const put = (body: unknown) =>
      f.request("/v1/agent/service/register", { method: "PUT", body: JSON.stringify(body) });
    const cases: [unknown, string][] = [
      [{ Name: "m", Connect: { SidecarService: {} } }, "unsupported field: Connect"],
      [
        { Name: "m", Kind: "connect-proxy", Proxy: { DestinationServiceName: "web" } },
        "unsupported fields: Kind, Proxy",
      ],
      [{ Name: "m", Check: { Args: ["/bin/true"], Interval: "10s" } }, "unsupported field: Args"],
      [{ Name: "m", Checks: [{ TTL: "5s" }, { GRPC: "127.0.0.1:1", Interval: "5s" }] }, "unsupported field: GRPC"],
    ];
    for (const [body, reason] of cases) {
      const answer = await put(body);
      expect([answer.status, answer.body]).toEqual([400, reason]);
    }
    // Defaults are not "fields in use": Kind "typical" and Namespace "default" register as usual.
    expect((await put({ Name: "m", Kind: "typical", Namespace: "default" })).status).toBe(200);
    await expect(
      f.consul.agent.check.register({ name: "script", args: ["/bin/true"], interval: "10s" } as never),
    ).rejects.toMatchObject({ message: "unsupported field: Args" });
  });

  it("kv, sessions, events, transactions, ACL and prepared queries answer 501 with a short reason the client shows", async () => {
    // The client prefixes some messages with its method name (`consul: kv.get: ...`); the reason is the body.
    const refused = (path: string) => ({
      message: expect.stringMatching(new RegExp(`unsupported endpoint: ${path}$`)),
    });
    await expect(f.consul.kv.get("config/app")).rejects.toMatchObject({ ...refused("/v1/kv"), statusCode: 501 });
    await expect(f.consul.kv.set("config/app", "x")).rejects.toMatchObject(refused("/v1/kv"));
    await expect(f.consul.session.create()).rejects.toMatchObject(refused("/v1/session"));
    await expect(f.consul.event.fire("deploy")).rejects.toMatchObject(refused("/v1/event"));
    for (const path of ["/v1/txn", "/v1/acl/tokens", "/v1/query", "/v1/snapshot"]) {
      const answer = await f.request(path, { method: path === "/v1/txn" ? "PUT" : "GET" });
      expect([answer.status, answer.body, answer.headers.get("x-outrigger-error-code")]).toEqual([
        501,
        `unsupported endpoint: ${path.split("/").slice(0, 3).join("/")}`,
        "REGISTRY_CONSUL_UNSUPPORTED",
      ]);
      expect(answer.headers.get("x-outrigger-error-detail")?.length).toBeGreaterThan(10);
    }
  });

  it("keeps our own Consul error bodies under 80 characters; Consul's fixed texts are its own, whole", async () => {
    // 90 characters: fastify's router refuses path parameters over 100 characters itself (414, JSON).
    const long = "x".repeat(90);
    const answers = await Promise.all([
      f.request(`/v1/agent/check/pass/${long}`, { method: "PUT" }),
      f.request(`/v1/agent/service/deregister/${long}`, { method: "PUT" }),
      f.request(`/v1/agent/service/maintenance/${long}?enable=true`, { method: "PUT" }),
      f.request(`/v1/nothing/here/${long}`),
      f.request("/v1/agent/service/register", { method: "PUT", body: "{not json" }),
      f.request("/v1/agent/service/register", { method: "PUT", body: JSON.stringify({ Name: "n", Check: {} }) }),
      f.request(`/v1/health/state/${long}`),
      f.request(`/v1/health/service/x?index=${long}`),
    ]);
    // Clients match Consul's own words for an unknown id (consul-client-words.test.ts), whatever their length.
    const [check, deregister, maintenance, ...own] = answers;
    expect(check?.body).toBe(`Unknown check ID "${long}". Ensure that the check ID is passed, not the check name.`);
    const unknownService = `Unknown service ID "${long}". Ensure that the service ID is passed, not the service name.`;
    expect([deregister?.body, maintenance?.body]).toEqual([unknownService, unknownService]);
    for (const answer of own) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.body.length, answer.body).toBeLessThan(80);
    }
  });

  it("holds Meta and Weights to Consul's limits (structs.go validateMetaPair, ValidateWeights), as 400 Invalid Service Meta", async () => {
    // apache/dubbo#3805, Ecwid/consul-api#223: clients learn these limits against Consul; on main any Meta was taken
    // (numbers turned into strings, nested objects dropped) and a weight up to 2^31-1.
    const register = (extra: Record<string, unknown>) =>
      f.request("/v1/agent/service/register", {
        method: "PUT",
        body: JSON.stringify({ Name: "meta", ID: "meta-1", Port: 1, ...extra }),
      });
    const refused = async (extra: Record<string, unknown>) => {
      const answer = await register(extra);
      return [answer.status, answer.body];
    };
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    expect(await refused({ Meta: many })).toEqual([400, "Invalid Service Meta: more than 64 key/value pairs"]);
    expect(await refused({ Meta: { "app.version": "1" } })).toEqual([
      400,
      "Invalid Service Meta: Key contains invalid characters",
    ]);
    expect(await refused({ Meta: { [`k${"x".repeat(128)}`]: "v" } })).toEqual([
      400,
      "Invalid Service Meta: Key is too long (limit: 128 characters)",
    ]);
    expect(await refused({ Meta: { "consul-network-segment": "a" } })).toEqual([
      400,
      "Invalid Service Meta: Key prefix 'consul-' is reserved for internal use",
    ]);
    expect(await refused({ Meta: { big: "v".repeat(513) } })).toEqual([
      400,
      "Invalid Service Meta: Value is too long (limit: 512 characters)",
    ]);
    expect((await register({ Meta: { version: 2 } })).status).toBe(400); // map[string]string: Go's decode error
    expect(await refused({ Weights: { Passing: 65_536, Warning: 1 } })).toEqual([
      400,
      "Invalid Weights: DNS Weight must be between 0 and 65535",
    ]);
    // At the limits: taken, and read back as sent.
    const meta = { ...Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`k${i}`, "v"])), big: "v".repeat(512) };
    expect((await register({ Meta: meta, Weights: { Passing: 65_535, Warning: 0 } })).status).toBe(200);
    const listed = JSON.parse((await f.request("/v1/agent/services")).body) as Record<string, { Meta: object }>;
    expect(listed["meta-1"]?.Meta).toEqual(meta);
    expect((await f.request("/v1/agent/service/deregister/meta-1", { method: "PUT" })).status).toBe(200);
  });
});
