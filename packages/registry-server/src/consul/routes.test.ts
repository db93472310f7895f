import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";

const eurekaInstance = (id: string, status = "UP") => ({
  instance: {
    instanceId: id,
    app: "ORDERS",
    hostName: "10.0.0.7",
    ipAddr: "10.0.0.7",
    status,
    port: 9090,
    dataCenterInfo: { name: "MyOwn" },
    metadata: { zone: "b" },
  },
});

type Entry = {
  Service: { ID: string; Service: string; Tags: string[]; Port: number };
  Checks: { CheckID: string; Status: string; Output: string }[];
};

describe("Consul's server address on an IPv6 node", () => {
  it("/v1/status/leader and /peers print host:port as Go's net.JoinHostPort does: [::1]:8300", async () => {
    const app = buildApp({ registry: new Registry(), consul: { node: { name: "v6", address: "fd00::7" } } });
    try {
      const leader = await app.inject({ method: "GET", url: "/v1/status/leader" });
      expect(leader.json()).toBe("[fd00::7]:8300"); // was "fd00::7:8300", which no client can split
      expect((await app.inject({ method: "GET", url: "/v1/status/peers" })).json()).toEqual(["[fd00::7]:8300"]);
    } finally {
      await app.close();
    }
  });
});

describe("Consul API routes", () => {
  const registry = new Registry();
  const app = buildApp({ registry, bodyLimit: 4096, consul: { node: { name: "outrigger", address: "10.9.9.9" } } });
  afterAll(() => app.close());
  const put = (url: string, payload?: unknown) =>
    app.inject({ method: "PUT", url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const get = (url: string) => app.inject({ method: "GET", url, headers: { accept: "application/json" } });

  it("registers with Consul's shapes and serves health, catalog and agent views, filtered by passing and tag", async () => {
    expect(
      (
        await put("/v1/agent/service/register", {
          Name: "web",
          ID: "web-1",
          Address: "10.0.0.1",
          Port: 80,
          Tags: ["v1", "blue"],
          Meta: { team: "a" },
          Check: { TTL: "30s", Status: "passing" },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await put("/v1/agent/service/register", {
          name: "web",
          id: "web-2",
          address: "10.0.0.2",
          port: 81,
          tags: ["v2"],
          check: { ttl: "30s" },
        })
      ).statusCode,
    ).toBe(200);

    const all = await get("/v1/health/service/web");
    expect(all.statusCode).toBe(200);
    const entries = all.json() as Entry[];
    expect(entries.map((e) => [e.Service.ID, e.Service.Port, e.Checks.map((c) => `${c.CheckID}=${c.Status}`)])).toEqual(
      [
        ["web-1", 80, ["serfHealth=passing", "service:web-1=passing"]],
        ["web-2", 81, ["serfHealth=passing", "service:web-2=critical"]],
      ],
    );
    expect(all.json()[0]).toMatchObject({
      Node: { Node: "outrigger", Datacenter: "dc1", Address: "10.9.9.9" },
      Service: { Service: "web", Address: "10.0.0.1", Meta: { team: "a" }, Weights: { Passing: 1, Warning: 1 } },
    });
    const passing = (await get("/v1/health/service/web?passing=true")).json() as Entry[];
    expect(passing.map((e) => e.Service.ID)).toEqual(["web-1"]);
    expect(((await get("/v1/health/service/web?passing")).json() as Entry[]).map((e) => e.Service.ID)).toEqual([
      "web-1",
    ]);
    expect(((await get("/v1/health/service/web?tag=v2")).json() as Entry[]).map((e) => e.Service.ID)).toEqual([
      "web-2",
    ]);
    expect(((await get("/v1/health/service/web?tag=v1&tag=blue")).json() as Entry[]).map((e) => e.Service.ID)).toEqual([
      "web-1",
    ]);
    expect((await get("/v1/health/service/none")).json()).toEqual([]);

    expect((await get("/v1/catalog/services")).json()).toEqual({ consul: [], web: ["v1", "blue", "v2"] });
    const catalog = (await get("/v1/catalog/service/web?tag=v1")).json();
    expect(catalog).toHaveLength(1);
    expect(catalog[0]).toMatchObject({
      Node: "outrigger",
      ServiceID: "web-1",
      ServiceName: "web",
      ServiceAddress: "10.0.0.1",
      ServicePort: 80,
      ServiceTags: ["v1", "blue"],
    });
    expect(Object.keys((await get("/v1/agent/services")).json())).toEqual(["web-1", "web-2"]);
    expect((await get("/v1/agent/checks")).json()["service:web-2"]).toMatchObject({
      Status: "critical",
      ServiceID: "web-2",
    });
    expect((await get("/v1/agent/self")).json().Config).toMatchObject({ Datacenter: "dc1", NodeName: "outrigger" });
    expect((await get("/v1/status/leader")).json()).toBe("10.9.9.9:8300");

    expect((await put("/v1/agent/check/warn/service:web-2?note=slow")).statusCode).toBe(200);
    const warned = ((await get("/v1/health/service/web")).json() as Entry[])[1]?.Checks[1];
    expect(warned).toMatchObject({ Status: "warning", Output: "slow" });
    expect((await put("/v1/agent/check/update/service:web-2", { Status: "passing", Output: "fine" })).statusCode).toBe(
      200,
    );
    expect((await put("/v1/agent/check/fail/service:web-2")).statusCode).toBe(200);
    expect((await put("/v1/agent/check/pass/service:web-2")).statusCode).toBe(200);
    expect((await put("/v1/agent/service/deregister/web-2")).statusCode).toBe(200);
    expect((await put("/v1/agent/service/deregister/web-2")).statusCode).toBe(404);
  });

  it("holds a blocking query at the current index and answers when the service changes; indexes never go backwards", async () => {
    const empty = await get("/v1/health/service/api");
    const fresh = Number(empty.headers["x-consul-index"]);
    expect(fresh).toBeGreaterThanOrEqual(1); // never 0, even for a service never seen
    const before = Number((await get("/v1/health/service/web")).headers["x-consul-index"]);
    let answered = false;
    const held = get(`/v1/health/service/web?index=${before}&wait=60s`).then((r) => {
      answered = true;
      return r;
    });
    await put("/v1/agent/service/register", { Name: "other", Port: 1 }); // another service: no wake-up
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await put("/v1/agent/service/register", { Name: "web", ID: "web-3", Port: 83 });
    const response = await held;
    const after = Number(response.headers["x-consul-index"]);
    expect(after).toBeGreaterThan(before);
    expect((response.json() as Entry[]).map((e) => e.Service.ID)).toContain("web-3");
    await put("/v1/agent/service/deregister/web-3");
    expect(Number((await get("/v1/health/service/web")).headers["x-consul-index"])).toBeGreaterThan(after);

    // The wait ends the hold with the same index; a stale index answers at once.
    const timedOut = await get(`/v1/health/service/api?index=${fresh}&wait=20ms`);
    expect(timedOut.headers["x-consul-index"]).toBe(String(fresh));
    expect((await get(`/v1/health/service/web?index=${before}&wait=10m`)).statusCode).toBe(200);
    const services = await get("/v1/catalog/services");
    const held2 = get(`/v1/catalog/services?index=${services.headers["x-consul-index"]}&wait=1m`);
    await put("/v1/agent/service/register", { Name: "late", Port: 2 });
    expect(Object.keys((await held2).json())).toContain("late");
  });

  it("shows Consul services to Eureka clients and Eureka instances to Consul clients, watches included", async () => {
    await put("/v1/agent/service/register", {
      Name: "orders",
      ID: "orders-1",
      Address: "10.0.0.3",
      Port: 7000,
      Check: { TTL: "30s", Status: "passing" },
    });
    const eureka = (await get("/eureka/apps/ORDERS")).json().application.instance[0];
    expect(eureka).toMatchObject({
      app: "ORDERS",
      instanceId: "orders-1",
      ipAddr: "10.0.0.3",
      status: "UP",
      port: { $: 7000 },
      metadata: { "consul.checkStatus": "passing" },
    });

    // An Outrigger watch on the Eureka side wakes on a Consul check change.
    const index = (await get("/outrigger/watch/apps/ORDERS")).headers["x-outrigger-index"];
    const watch = get(`/outrigger/watch/apps/ORDERS?index=${index}&wait=60s`);
    await put("/v1/agent/check/fail/service:orders-1?note=db down");
    expect((await watch).json().application.instance[0].status).toBe("DOWN");
    await put("/v1/agent/check/warn/service:orders-1?note=db slow");
    const warned = (await get("/eureka/apps/ORDERS")).json().application.instance[0];
    expect(warned).toMatchObject({
      status: "UP",
      metadata: { "consul.checkStatus": "warning", "consul.checkNote": "db slow" },
    });

    // A Consul blocking query wakes on a Eureka registration, which shows with a synthetic check.
    const consulIndex = (await get("/v1/health/service/orders")).headers["x-consul-index"];
    const blocking = get(`/v1/health/service/orders?index=${consulIndex}&wait=60s`);
    await app.inject({ method: "POST", url: "/eureka/apps/ORDERS", payload: eurekaInstance("orders-eureka") });
    const entries = (await blocking).json() as Entry[];
    const mirrored = entries.find((e) => e.Service.ID === "orders-eureka");
    expect(mirrored?.Service).toMatchObject({
      Service: "orders",
      Port: 9090,
      Address: "10.0.0.7",
      Meta: { zone: "b" },
    });
    expect(mirrored?.Checks[1]).toMatchObject({ CheckID: "service:orders-eureka", Status: "passing" });
    expect(mirrored?.Checks[1]?.Output).toMatch(/^Eureka status UP; lease ends in 90s$/);
    await app.inject({ method: "POST", url: "/eureka/apps/ORDERS", payload: eurekaInstance("orders-eureka", "DOWN") });
    const down = ((await get("/v1/health/service/orders")).json() as Entry[]).find(
      (e) => e.Service.ID === "orders-eureka",
    );
    expect(down?.Checks[1]?.Status).toBe("critical");
    expect(((await get("/v1/health/service/orders?passing")).json() as Entry[]).map((e) => e.Service.ID)).toEqual([]);
  });

  it("maintenance mode adds a critical check that takes the service out of passing answers, and shows OUT_OF_SERVICE", async () => {
    await put("/v1/agent/service/register", {
      Name: "maint",
      ID: "maint-1",
      Port: 80,
      Check: { TTL: "30s", Status: "passing" },
    });
    const passingIds = async () =>
      ((await get("/v1/health/service/maint?passing")).json() as Entry[]).map((e) => e.Service.ID);
    expect(await passingIds()).toEqual(["maint-1"]);

    expect((await put("/v1/agent/service/maintenance/maint-1?enable=true&reason=deploy")).statusCode).toBe(200);
    expect(await passingIds()).toEqual([]);
    const [entry] = (await get("/v1/health/service/maint")).json() as Entry[];
    expect(entry?.Checks.map((c) => `${c.CheckID}=${c.Status}`)).toEqual([
      "serfHealth=passing",
      "_service_maintenance:maint-1=critical",
      "service:maint-1=passing",
    ]);
    expect((await get("/eureka/apps/MAINT")).json().application.instance[0].status).toBe("OUT_OF_SERVICE");

    expect((await put("/v1/agent/service/maintenance/maint-1?enable=false")).statusCode).toBe(200);
    expect(await passingIds()).toEqual(["maint-1"]);
    expect((await get("/eureka/apps/MAINT")).json().application.instance[0].status).toBe("UP");

    const missing = await put("/v1/agent/service/maintenance/maint-1");
    expect([missing.statusCode, missing.body]).toEqual([400, "Missing value for enable"]);
    expect((await put("/v1/agent/service/maintenance/maint-1?enable=yes")).statusCode).toBe(400);
    const unknown = await put("/v1/agent/service/maintenance/nobody?enable=true");
    expect([unknown.statusCode, unknown.body]).toEqual([
      404,
      'Unknown service ID "nobody". Ensure that the service ID is passed, not the service name.',
    ]);
  });

  it("answers bad input with Consul's plain-text 400, an unknown check with 404, and keeps serving", async () => {
    const malformed = await app.inject({
      method: "PUT",
      url: "/v1/agent/service/register",
      headers: { "content-type": "application/json" },
      payload: '{"Name": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers["content-type"]).toMatch(/^text\/plain/);
    expect(malformed.headers["x-outrigger-error-code"]).toBe("REGISTRY_CONSUL_BAD_REQUEST");
    expect(malformed.body).toMatch(/^Request decode failed: /);
    const noName = await put("/v1/agent/service/register", { Port: 1 });
    expect([noName.statusCode, noName.body]).toEqual([400, "Missing service name"]);
    const unknown = await put("/v1/agent/check/pass/service:ghost");
    expect([unknown.statusCode, unknown.body]).toEqual([
      404,
      'Unknown check ID "service:ghost". Ensure that the check ID is passed, not the check name.',
    ]);
    expect(unknown.headers["x-outrigger-error-code"]).toBe("REGISTRY_CONSUL_NOT_FOUND");
    await put("/v1/agent/service/register", {
      Name: "probe",
      ID: "probe-1",
      Port: 1,
      Check: { TCP: "127.0.0.1:1", Interval: "1h" },
    });
    const notTtl = await put("/v1/agent/check/pass/service:probe-1");
    // Consul's updateTTLCheck error is a plain one, which its HTTP layer answers 500 (clients match the text).
    expect([notTtl.statusCode, notTtl.body]).toEqual([500, 'CheckID "service:probe-1" does not have associated TTL']);
    expect(notTtl.headers["x-outrigger-error-code"]).toBe("REGISTRY_CONSUL_BAD_REQUEST");
    await put("/v1/agent/service/deregister/probe-1");
    expect((await put("/v1/agent/check/update/service:orders-1", { Status: "great" })).statusCode).toBe(400);
    expect((await get("/v1/health/service/web?index=abc")).body).toMatch(/^Invalid index/);
    expect((await get("/v1/health/service/web?index=1&wait=soon")).body).toMatch(/^Invalid wait time/);
    expect((await get("/v1/health/service/web?passing=maybe")).statusCode).toBe(400);
    expect((await get("/v1/health/service/web?filter=(Service.Port")).statusCode).toBe(400); // cannot parse
    expect((await get("/v1/health/service/web?filter=Checks.Status==passing")).statusCode).toBe(400); // into a list
    const huge = await put("/v1/agent/service/register", { Name: "big", Meta: { pad: "x".repeat(8192) } });
    expect(huge.statusCode).toBe(413);
    const missing = await get("/v1/kv/anything");
    expect([missing.statusCode, missing.headers["x-consul-index"]]).toEqual([501, expect.any(String)]);
    expect((await get("/v1/health/service/orders")).statusCode).toBe(200);
    expect(registry.get("ORDERS", "orders-1")).toBeDefined(); // nothing lost
  });
});

describe("Consul API token", () => {
  const app = buildApp({ registry: new Registry(), consul: { token: "s3cret" } });
  afterAll(() => app.close());

  it("accepts X-Consul-Token or Authorization: Bearer and refuses anything else with 403", async () => {
    const url = "/v1/catalog/services";
    expect((await app.inject({ method: "GET", url, headers: { "x-consul-token": "s3cret" } })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url, headers: { authorization: "Bearer s3cret" } })).statusCode).toBe(
      200,
    );
    for (const headers of [
      {},
      { "x-consul-token": "s3cre" },
      { authorization: "Bearer s3cret-and-more" },
      { authorization: "Basic s3cret" },
    ]) {
      const refused = await app.inject({ method: "GET", url, headers });
      expect([refused.statusCode, refused.headers["x-outrigger-error-code"]]).toEqual([
        403,
        "REGISTRY_CONSUL_PERMISSION_DENIED",
      ]);
    }
    const write = await app.inject({ method: "PUT", url: "/v1/agent/service/register", payload: { Name: "x" } });
    expect(write.statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url, headers: { "x-consul-token": "s3cret" } })).json()).toEqual({
      consul: [],
    });
  });
});
