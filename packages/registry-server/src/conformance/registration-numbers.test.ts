// Rules: Netflix/eureka eureka-client/.../appinfo/InstanceInfo.java (`int port`, `int securePort`, `int countryId`,
// `Long lastDirtyTimestamp`, `Long lastUpdatedTimestamp`) and LeaseInfo.java (`int renewalIntervalInSecs`, `int
// durationInSecs`, `long` timestamps; a duration or interval ≤ 0 is the default) — Eureka's codec cannot decode a
// value outside those types, and ApplicationResource.addInstance answers 400 for a registration it cannot use;
// a port is a TCP port (0–65535). The registry answers 400 `REGISTRY_INVALID_FIELD` naming the field, stores
// nothing, and holds a lease longer than ten years (MAX_LEASE_DURATION_SECS) at ten years. Consul's side:
// hashicorp/consul api/agent.go (`Port int`), agent/structs/check_type.go (durations are Go `time.Duration`).
// Field cases replayed: spring-cloud/spring-cloud-netflix#2076 and alibaba/nacos#461 (port 0 must register).
// Before: ports −5, 1e308 and 70000 and a lease of 1e300 s were all accepted (204).
import { describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

async function post(base: string, instance: Record<string, unknown>, contentType = "application/json") {
  const res = await fetch(`${base}/eureka/apps/NUMBERS`, {
    method: "POST",
    headers: { "content-type": contentType, accept: "application/json" },
    body: contentType === "application/json" ? JSON.stringify({ instance }) : String(instance.xml),
  });
  const text = await res.text();
  return { status: res.status, body: text };
}

const base = (id: string, extra: Record<string, unknown> = {}) => ({
  ...registration(id, { app: "NUMBERS" }).instance,
  ...extra,
});

describe("conformance: the numbers of an Eureka registration (real registry process)", () => {
  it("refuses out-of-range and non-integer ports, leases, timestamps and countryId with a 400 naming the field", async () => {
    const registry = await start();
    const refused: [string, Record<string, unknown>, string][] = [
      ["port −5", { port: { $: -5, "@enabled": "true" } }, "instance.port"],
      ["port 1e308", { port: { $: 1e308, "@enabled": "true" } }, "instance.port"],
      ["port 70000", { port: { $: 70_000, "@enabled": "true" } }, "instance.port"],
      ["port 80.5", { port: 80.5 }, "instance.port"],
      ["port text", { port: { $: "eighty", "@enabled": "true" } }, "instance.port"],
      ["securePort 70000", { securePort: { $: 70_000, "@enabled": "false" } }, "instance.securePort"],
      ["lease 1e300 s", { leaseInfo: { durationInSecs: 1e300 } }, "instance.leaseInfo.durationInSecs"],
      ["lease 2^31 s", { leaseInfo: { durationInSecs: 2 ** 31 } }, "instance.leaseInfo.durationInSecs"],
      ["lease 1.5 s", { leaseInfo: { durationInSecs: 1.5 } }, "instance.leaseInfo.durationInSecs"],
      ["renewal text", { leaseInfo: { renewalIntervalInSecs: "often" } }, "instance.leaseInfo.renewalIntervalInSecs"],
      [
        "registered at 1e308",
        { leaseInfo: { registrationTimestamp: 1e308 } },
        "instance.leaseInfo.registrationTimestamp",
      ],
      ["service up at −1", { leaseInfo: { serviceUpTimestamp: -1 } }, "instance.leaseInfo.serviceUpTimestamp"],
      ["dirty at 1e308", { lastDirtyTimestamp: 1e308 }, "instance.lastDirtyTimestamp"],
      ["dirty at text", { lastDirtyTimestamp: "yesterday" }, "instance.lastDirtyTimestamp"],
      ["updated at 1.5", { lastUpdatedTimestamp: 1.5 }, "instance.lastUpdatedTimestamp"],
      ["countryId 1e10", { countryId: 1e10 }, "instance.countryId"],
    ];
    for (const [name, extra, field] of refused) {
      const answer = await post(registry.url, base(`bad-${name}`, extra));
      const body = (answer.body ? JSON.parse(answer.body) : { code: "", message: "" }) as {
        code: string;
        message: string;
      };
      expect([name, answer.status, body.code, body.message.includes(field)]).toEqual([
        name,
        400,
        "REGISTRY_INVALID_FIELD",
        true,
      ]);
    }
    // XML, Eureka's default, is read by the same rules.
    const xml = await post(
      registry.url,
      {
        xml: `<instance><instanceId>x-1</instanceId><hostName>h</hostName><app>NUMBERS</app><ipAddr>10.0.0.1</ipAddr>
<port enabled="true">70000</port><dataCenterInfo class="com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo">
<name>MyOwn</name></dataCenterInfo></instance>`,
      },
      "application/xml",
    );
    expect([xml.status, xml.body.includes("instance.port")]).toEqual([400, true]);
    // Nothing refused was stored.
    const app = await fetch(`${registry.url}/eureka/apps/NUMBERS`, { headers: { accept: "application/json" } });
    expect(app.status).toBe(404);
  });

  it("takes every edge of the ranges, and holds a lease longer than ten years at ten years", async () => {
    const registry = await start();
    const accepted: Record<string, unknown>[] = [
      // Port 0 is a registration to keep (spring-cloud/spring-cloud-netflix#2076, alibaba/nacos#461: a client
      // started with server.port=0 registers before it knows its port).
      { port: { $: 0, "@enabled": "true" }, securePort: { $: 65_535, "@enabled": "true" } },
      { port: "8080", countryId: "1", lastDirtyTimestamp: "1700000000000" },
      { leaseInfo: { durationInSecs: 0, renewalIntervalInSecs: -1 } },
      { leaseInfo: { durationInSecs: 2 ** 31 - 1, registrationTimestamp: 0, evictionTimestamp: 0 } },
    ];
    for (const [i, extra] of accepted.entries()) {
      const answer = await post(registry.url, base(`ok-${i}`, extra));
      expect([i, answer.status, answer.body]).toEqual([i, 204, ""]);
    }
    const capped = await eurekaCalls(registry.url, "NUMBERS").instance("ok-3");
    expect(capped.leaseInfo.durationInSecs).toBe(10 * 365 * 24 * 3600);
    const defaulted = await eurekaCalls(registry.url, "NUMBERS").instance("ok-2");
    expect(defaulted.leaseInfo.durationInSecs).toBe(90);
  });

  it("the Consul registration's numbers are refused the same way (Port, check durations, Weights)", async () => {
    const registry = await start();
    const register = async (body: Record<string, unknown>) => {
      const res = await fetch(`${registry.url}/v1/agent/service/register`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    };
    const refused: [Record<string, unknown>, string][] = [
      [{ Port: -5 }, "Port"],
      [{ Port: 1e308 }, "Port"],
      [{ Port: 70_000 }, "Port"],
      [{ Port: 80.5 }, "Port"],
      [{ Check: { TTL: "1e300h" } }, "TTL"],
      [{ Check: { TTL: "3000000h" } }, "TTL"],
      [{ Check: { HTTP: "http://127.0.0.1:1/", Interval: "-10s" } }, "Interval"],
      [{ Check: { TCP: "127.0.0.1:70000", Interval: "10s" } }, "TCP"],
      [{ Check: { HTTP: "http://127.0.0.1:1/", Interval: "10s", Timeout: "soon" } }, "Timeout"],
      [{ Check: { TTL: "10s", DeregisterCriticalServiceAfter: "3000000h" } }, "DeregisterCriticalServiceAfter"],
      [{ Weights: { Passing: 1e308, Warning: 1 } }, "Weights"],
    ];
    for (const [extra, field] of refused) {
      const answer = await register({ Name: "numbers", ID: "n-1", ...extra });
      expect([JSON.stringify(extra), answer.status, answer.body.includes(field)]).toEqual([
        JSON.stringify(extra),
        400,
        true,
      ]);
    }
    const services = await fetch(`${registry.url}/v1/agent/services`);
    expect(await services.json()).toEqual({});
  });
});
