import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";

/*
 * Field reports of Consul read parameters, replayed against a real registry process over real HTTP. Rules:
 * - agent/health_endpoint.go `getBoolQueryParam`: `?passing` with no value is true, otherwise Go's
 *   `strconv.ParseBool` (`1`, `t`, `True`, `FALSE`, ...); agent/agent_endpoint.go reads maintenance's `?enable=`
 *   the same way. Any 400 here ends a `consul.watch` for good (the consul npm client, lib/watch.js `_err`).
 * - agent/http.go `parseConsistency`: `?stale` with `?consistent` and `?cached` with `?consistent` are 400s with
 *   Consul's reasons; a `?max_stale` that is not a Go duration is a 400; `?cached` answers say `X-Cache`.
 * - agent/http.go `parseFilter` and the filtering docs: every listing takes `?filter=` over the fields of the
 *   records it answers (Consul 1.14+ also on /v1/catalog/services); a selector the records lack is refused.
 * - hashicorp/consul#1841, #3483: several `?tag=` keep instances carrying every one of them.
 */

interface Entry {
  Service: { ID: string };
}

const ids = (body: string): string[] => (JSON.parse(body) as Entry[]).map((e) => e.Service.ID).sort();

describe("Consul read-parameter field cases (real registry process)", () => {
  let f: ConsulFixture;
  beforeAll(async () => {
    f = await startConsulFixture();
    const register = async (body: Record<string, unknown>) => {
      const answer = await f.request("/v1/agent/service/register", { method: "PUT", body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
    };
    // web-1 passes (status given), web-2 starts critical (a TTL check nobody passed yet); db is another service.
    const ttl = (status?: string) => ({ TTL: "10m", ...(status ? { Status: status } : {}) });
    await register({
      Name: "web",
      ID: "web-1",
      Port: 1,
      Tags: ["metrics", "v2"],
      Meta: { env: "stg" },
      Check: ttl("passing"),
    });
    await register({ Name: "web", ID: "web-2", Port: 2, Tags: ["metrics"], Meta: { env: "prd" }, Check: ttl() });
    await register({ Name: "db", ID: "db-1", Port: 3, Meta: { env: "prd" } });
  });
  afterAll(() => f.close());

  it("reads ?passing as Go's strconv.ParseBool, by its first value; anything else is Consul's 400", async () => {
    for (const value of ["", "=1", "=t", "=T", "=true", "=True", "=TRUE", "=true&passing=false"]) {
      const answer = await f.request(`/v1/health/service/web?passing${value}`);
      expect({ value, status: answer.status, ids: ids(answer.body) }).toEqual({ value, status: 200, ids: ["web-1"] });
    }
    for (const value of ["0", "f", "F", "false", "False", "FALSE"]) {
      const answer = await f.request(`/v1/health/service/web?passing=${value}`);
      expect({ value, ids: ids(answer.body) }).toEqual({ value, ids: ["web-1", "web-2"] });
    }
    for (const value of ["yes", "tRUE", "2"]) {
      const answer = await f.request(`/v1/health/service/web?passing=${value}`);
      expect({ value, status: answer.status, body: answer.body }).toEqual({
        value,
        status: 400,
        body: "Invalid value for ?passing",
      });
    }
  });

  it("reads maintenance's ?enable= the same way (agent/agent_endpoint.go AgentServiceMaintenance)", async () => {
    const enable = await f.request("/v1/agent/service/maintenance/db-1?enable=True&reason=patching", { method: "PUT" });
    expect(enable.status).toBe(200);
    expect(ids((await f.request("/v1/health/service/db?passing=1")).body)).toEqual([]);
    expect((await f.request("/v1/agent/service/maintenance/db-1?enable=F", { method: "PUT" })).status).toBe(200);
    expect(ids((await f.request("/v1/health/service/db?passing=1")).body)).toEqual(["db-1"]);
  });

  it("refuses conflicting consistency modes as parseConsistency does, and accepts each mode alone", async () => {
    const refused: [string, string][] = [
      ["stale&consistent", "Cannot specify ?stale with ?consistent, conflicting semantics."],
      ["max_stale=5s&consistent", "Cannot specify ?stale with ?consistent, conflicting semantics."],
      ["cached&consistent", "Cannot specify ?cached with ?consistent, conflicting semantics."],
      ["max_stale=soon", 'Invalid max_stale value "soon"'],
    ];
    for (const [query, reason] of refused) {
      for (const route of ["/v1/health/service/web", "/v1/catalog/services", "/v1/health/state/any"]) {
        const answer = await f.request(`${route}?${query}`);
        expect({
          route,
          query,
          status: answer.status,
          body: answer.body,
          // A refused read reports no mode: Consul's setMeta runs only on an answer.
          level: answer.headers.get("x-consul-effective-consistency"),
        }).toEqual({ route, query, status: 400, body: reason, level: null });
      }
    }
    // X-Consul-Effective-Consistency as Consul sets it (agent/http.go setMeta, QueryOptions.ConsistencyLevel).
    const modes: Array<[string, string]> = [
      ["stale", "stale"],
      ["stale=", "stale"],
      ["consistent", "consistent"],
      ["leader", "leader"],
      ["max_stale=0s", "leader"],
      ["max_stale=2s", "stale"],
      ["near=_agent", "leader"],
    ];
    for (const [query, level] of modes) {
      const answer = await f.request(`/v1/health/service/web?${query}`);
      expect({
        query,
        status: answer.status,
        ids: ids(answer.body),
        level: answer.headers.get("x-consul-effective-consistency"),
      }).toEqual({ query, status: 200, ids: ["web-1", "web-2"], level });
    }
    const catalog = await f.request("/v1/catalog/services");
    expect(catalog.headers.get("x-consul-effective-consistency")).toBe("leader");
    // A blocking read (an index behind the current one answers at once) reports the mode too.
    const blocking = await f.request("/v1/catalog/services?index=1&wait=50ms&consistent");
    expect([blocking.status, blocking.headers.get("x-consul-effective-consistency")]).toEqual([200, "consistent"]);
    const cached = await f.request("/v1/health/service/web?cached");
    expect([cached.status, cached.headers.get("x-cache")]).toEqual([200, "MISS"]);
  });

  it("filters the instances Prometheus's consul_sd asks for (prometheus/prometheus#11224, #16087, #17349)", async () => {
    // What Prometheus sends with `filter:` set: the catalog list, then each service's health, both filtered.
    const filter = (expression: string) => encodeURIComponent(expression);
    const services = await f.request(
      `/v1/catalog/services?filter=${filter('ServiceMeta.env == "stg"')}&stale=&wait=120000ms`,
    );
    expect([services.status, Object.keys(JSON.parse(services.body) as object)]).toEqual([200, ["web"]]);
    const health = await f.request(
      `/v1/health/service/web?filter=${filter('Service.Meta.env == "stg"')}&stale=&tag=metrics&wait=120000ms`,
    );
    expect([health.status, ids(health.body)]).toEqual([200, ["web-1"]]);
    const catalog = await f.request(`/v1/catalog/service/web?filter=${filter('ServiceMeta.env == "prd"')}`);
    expect((JSON.parse(catalog.body) as { ServiceID: string }[]).map((e) => e.ServiceID)).toEqual(["web-2"]);
    const checks = await f.request(
      `/v1/health/state/any?filter=${filter('ServiceName == "web" and Status == "critical"')}`,
    );
    expect((JSON.parse(checks.body) as { ServiceID: string }[]).map((c) => c.ServiceID)).toEqual(["web-2"]);
    // A held filtered query holds on the service's index and answers filtered.
    const held = f.request(
      `/v1/health/service/web?filter=${filter('"v3" in Service.Tags')}&index=${health.index}&wait=10s`,
    );
    await f.request("/v1/agent/service/register", {
      method: "PUT",
      body: JSON.stringify({ Name: "web", ID: "web-3", Port: 4, Tags: ["v3"] }),
    });
    const woken = await held;
    expect([woken.status, ids(woken.body), woken.ms < 5_000]).toEqual([200, ["web-3"], true]);
  });

  it("refuses a catalog selector on the health API and a selector through a list (prometheus/prometheus#18499)", async () => {
    // prometheus#18499: Prometheus passed a catalog filter (`ServiceTags`) to the health API, which refuses it.
    const tags = await f.request(`/v1/health/service/web?filter=${encodeURIComponent('"metrics" in ServiceTags')}`);
    expect([tags.status, tags.body]).toEqual([400, 'Selector "ServiceTags" is not valid']);
    const list = await f.request(`/v1/health/service/web?filter=${encodeURIComponent("Checks.Status == passing")}`);
    expect([list.status, list.body]).toEqual([400, 'filter selector "Checks.Status" steps into a list']);
    const parse = await f.request(`/v1/catalog/services?filter=${encodeURIComponent("ServiceName ==")}`);
    expect(parse.status).toBe(400);
  });

  it("keeps only instances carrying every ?tag= (hashicorp/consul#1841, #3483)", async () => {
    // #1841: `?tag=dev&tag=junk` matched on the first tag alone; since Consul 1.3 every tag must match.
    expect(ids((await f.request("/v1/health/service/web?tag=metrics&tag=v2")).body)).toEqual(["web-1"]);
    expect(ids((await f.request("/v1/health/service/web?tag=metrics&tag=junk")).body)).toEqual([]);
    expect(ids((await f.request("/v1/health/service/web?tag=junk&tag=metrics")).body)).toEqual([]);
    const catalog = await f.request("/v1/catalog/service/web?tag=v2&tag=metrics");
    expect((JSON.parse(catalog.body) as { ServiceID: string }[]).map((e) => e.ServiceID)).toEqual(["web-1"]);
  });
});
