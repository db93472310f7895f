import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsulFixture, startConsulFixture } from "./consul-fixture.js";

/*
 * Where clients written against Consul match its words and rules, each from Consul's source, replayed through a
 * real registry process and the unmodified `consul` npm client (or raw HTTP, as the Go client and Spring send it):
 * - agent/acl.go vetServiceUpdateWithAuthorizer / vetCheckUpdateWithAuthorizer: an unknown service or check id is
 *   404 `Unknown service ID "…". Ensure that the service ID is passed, not the service name.` (check likewise).
 *   Consul's own agent/local/state.go looks for "Unknown service"; LCMApps/consul-service-registrator's
 *   `_isUnknownServiceError` wants papi's "not found" message (a body of 80 characters or more) and the quoted id in
 *   the body — against our short `Unknown service ID "x"` its overwrite-mode register threw on a first start.
 * - agent/agent.go updateTTLCheck: a status pushed to a check that is not TTL is a plain error, answered 500
 *   `CheckID "…" does not have associated TTL` (Go, .NET and Spring heartbeats register again on that text).
 * - agent/consul/state/catalog.go serviceTagFilter: `?tag=` compares lower-cased.
 * - agent/consul/rpc.go forwardDC: `?dc=` naming a datacenter with no route is 500 `No path to datacenter`; we
 *   answered our own instances.
 * - agent/agent_endpoint.go AgentRegisterService (`ipaddr.IsAny`, hashicorp/consul#3017): `Address` 0.0.0.0, ::
 *   and [::] are 400 `Invalid service address`.
 * - agent/structs/check_type.go CheckType.UnmarshalJSON: a duration string goes through time.ParseDuration, so
 *   `"30"` (no unit) is refused; a JSON number is nanoseconds. We read `"30"` as 30 ns: a TTL check always critical.
 * - `EnableTagOverride` (api/agent.go) is taken and shown; we refused the registration.
 */

type Entry = { Service: { ID: string; EnableTagOverride: boolean } };
type PapiError = Error & { response?: { body?: unknown } };

/** How LCMApps/consul-service-registrator recognises "that service was not registered" (its `_isUnknownServiceError`). */
function isUnknownServiceError(err: PapiError, serviceId: string): boolean {
  const body = err.response?.body;
  return (
    err.message === "not found" &&
    typeof body === "string" &&
    body.includes("Unknown service") &&
    body.includes(`"${serviceId}"`)
  );
}

describe("conformance: the words and rules Consul clients match on (agent/acl.go, agent/agent.go, state/catalog.go)", () => {
  let f: ConsulFixture;
  const put = (path: string, body?: unknown) =>
    f.request(path, { method: "PUT", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  beforeAll(async () => {
    f = await startConsulFixture();
    await f.consul.agent.service.register({ name: "web", id: "web-1", port: 80, tags: ["Primary"] } as never);
  });
  afterAll(() => f.close());

  it("an unknown service id is Consul's 404 text, so a registrator's overwrite mode goes on", async () => {
    // Long, as registrators build them (name.pid.host): the id must come back whole, not cut.
    const id = "orders-service.48213.ip-10-0-12-34.eu-west-1.compute.internal";
    const deregister = await f.consul.agent.service.deregister(id).catch((e: PapiError) => e);
    expect(deregister).toBeInstanceOf(Error);
    expect(isUnknownServiceError(deregister as PapiError, id)).toBe(true);
    expect((deregister as PapiError).response?.body).toBe(
      `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
    );
    const maintenance = await put(`/v1/agent/service/maintenance/${id}?enable=true`);
    expect([maintenance.status, maintenance.body]).toEqual([
      404,
      `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
    ]);
    // Then it registers: the overwrite goes through.
    await f.consul.agent.service.register({ name: "orders", id, port: 81 } as never);
    await f.consul.agent.service.deregister(id);
  });

  it("a TTL push is Consul's 404 for an unknown check and its 500 for a check that is not TTL", async () => {
    const unknown = await put("/v1/agent/check/pass/service:ghost");
    expect([unknown.status, unknown.body]).toEqual([
      404,
      'Unknown check ID "service:ghost". Ensure that the check ID is passed, not the check name.',
    ]);
    await put("/v1/agent/service/register", {
      Name: "probe",
      ID: "probe-1",
      Port: 1,
      Check: { TCP: "127.0.0.1:1", Interval: "1h" },
    });
    const pass = await f.consul.agent.check.pass("service:probe-1").catch((e: PapiError) => e);
    // Under 80 characters: papi shows it as the message, as against Consul.
    expect((pass as PapiError).message).toBe('CheckID "service:probe-1" does not have associated TTL');
    expect((pass as PapiError).response?.body).toBe('CheckID "service:probe-1" does not have associated TTL');
    // A client mistake, not a failure of the registry: it keeps serving.
    expect((await f.request("/v1/agent/self")).status).toBe(200);
    await f.consul.agent.service.deregister("probe-1");
  });

  it("?tag= matches without case, on the health and catalog reads", async () => {
    for (const tag of ["primary", "PRIMARY", "Primary"]) {
      const health = (await f.consul.health.service({ service: "web", tag })) as Entry[];
      const catalog = (await f.consul.catalog.service.nodes({ service: "web", tag })) as unknown[];
      expect([tag, health.map((e) => e.Service.ID), catalog.length]).toEqual([tag, ["web-1"], 1]);
    }
    expect(await f.consul.health.service({ service: "web", tag: "secondary" })).toEqual([]);
  });

  it("?dc= naming another datacenter is 500 No path to datacenter, never our instances under its name", async () => {
    const other = await f.consul.health.service({ service: "web", dc: "dc2" }).catch((e: PapiError) => e);
    expect((other as PapiError).message).toBe("No path to datacenter");
    expect((other as PapiError).response?.body).toBe("No path to datacenter");
    for (const path of ["/v1/catalog/services?dc=dc2", "/v1/catalog/service/web?dc=eu", "/v1/health/state/any?dc=x"]) {
      const answer = await f.request(path);
      expect([path, answer.status, answer.body]).toEqual([path, 500, "No path to datacenter"]);
    }
    const own = (await f.consul.health.service({ service: "web", dc: "dc1" })) as Entry[];
    expect(own.map((e) => e.Service.ID)).toEqual(["web-1"]);
  });

  it("a wildcard Address is 400 Invalid service address, and nothing is registered", async () => {
    for (const Address of ["0.0.0.0", "::", "[::]"]) {
      const answer = await put("/v1/agent/service/register", { Name: "bind", ID: "bind-1", Address, Port: 8080 });
      expect([Address, answer.status, answer.body]).toEqual([Address, 400, "Invalid service address"]);
    }
    expect(await f.consul.health.service("bind")).toEqual([]);
  });

  it("a duration string without a unit is refused; a JSON number is nanoseconds", async () => {
    const unitless = await put("/v1/agent/service/register", { Name: "ttl", ID: "ttl-1", Check: { TTL: "30" } });
    expect([unitless.status, unitless.body]).toEqual([400, 'Request decode failed: Check.TTL "30" has no unit']);
    expect(await f.consul.health.service("ttl")).toEqual([]);
    const nanos = await put("/v1/agent/service/register", {
      Name: "ttl",
      ID: "ttl-1",
      Check: { TTL: 30_000_000_000, Status: "passing" },
    });
    expect(nanos.status).toBe(200);
    const checks = (await (await fetch(`${f.url}/v1/agent/checks`)).json()) as Record<string, { Status: string }>;
    expect(checks["service:ttl-1"]?.Status).toBe("passing");
    await f.consul.agent.service.deregister("ttl-1");
  });

  it("EnableTagOverride is taken and shown as registered; a value that is not a bool is Go's decode error", async () => {
    const taken = await put("/v1/agent/service/register", { Name: "tagged", ID: "tagged-1", EnableTagOverride: true });
    expect(taken.status).toBe(200);
    const entry = ((await f.consul.health.service("tagged")) as Entry[])[0];
    expect(entry?.Service.EnableTagOverride).toBe(true);
    const services = (await (await fetch(`${f.url}/v1/agent/services`)).json()) as Record<string, Entry["Service"]>;
    expect(services["tagged-1"]?.EnableTagOverride).toBe(true);
    expect(services["web-1"]?.EnableTagOverride).toBe(false);
    const wrong = await put("/v1/agent/service/register", { Name: "tagged", ID: "tagged-2", EnableTagOverride: "yes" });
    expect([wrong.status, wrong.body]).toEqual([
      400,
      "Request decode failed: EnableTagOverride must be a bool, not a string",
    ]);
    await f.consul.agent.service.deregister("tagged-1");
  });
});
