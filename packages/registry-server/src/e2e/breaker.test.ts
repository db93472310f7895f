import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

/**
 * Inputs issue 15's fixed seeds missed, replayed against a real registry process started with `--token` (a later
 * round of items 1 and 4): a URL the router cannot take, ids longer than the router's default 100 characters,
 * text XML 1.0 cannot carry, and HTTP checks whose target URL holds credentials.
 */
const TOKEN = "s3cr3t-write-token";
const auth = { authorization: `Bearer ${TOKEN}` };

/** XML 1.0's `Char` production, negated: what no XML document may contain, escaped or not. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

describe("registry process: hostile URLs, long ids, XML text, check credentials", () => {
  let registry: RegistryProcess;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${registry.url}${path}`, {
      method,
      headers: { ...auth, "content-type": "application/json", accept: "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const eurekaInstance = (id: string, extra: Record<string, unknown> = {}) => ({
    instance: {
      instanceId: id,
      hostName: "h",
      app: "LONG",
      ipAddr: "127.0.0.1",
      status: "UP",
      port: { $: 80, "@enabled": "true" },
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      ...extra,
    },
  });

  beforeAll(async () => {
    registry = await spawnRegistry(["--port", "0", "--token", TOKEN]);
  });
  afterAll(async () => {
    await registry.stop();
  });

  it("answers a malformed or overlong URL with the registry's code and never echoes its ?token=", async () => {
    const long = "a".repeat(20_000);
    for (const path of [
      `/eureka/apps/%ZZ?token=${TOKEN}`,
      `/eureka/apps/A/%ZZ?token=${TOKEN}`,
      `/v1/health/service/%ZZ?token=${TOKEN}`,
      `/v1/agent/service/deregister/%ZZ?token=${TOKEN}`,
    ]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const res = await fetch(`${registry.url}${path}`, { method });
        const text = await res.text();
        expect(text).not.toContain(TOKEN);
        expect(res.status).toBe(400);
        expect(res.headers.get("x-outrigger-error-code") ?? JSON.parse(text).code).toMatch(/^REGISTRY_/);
      }
    }
    const tooLong = await fetch(`${registry.url}/eureka/apps/A/${long}?token=${TOKEN}`);
    expect(tooLong.status).toBe(431); // Node's header limit, before any route: nothing quoted back
    expect(await tooLong.text()).not.toContain(TOKEN);
  });

  it("takes every id it registered on every route: a 134-character id renews, reads, changes status, leaves", async () => {
    const id = `host-${"a".repeat(120)}:svc:8080`;
    expect((await call("POST", "/eureka/apps/LONG", eurekaInstance(id))).status).toBe(204);
    expect((await call("PUT", `/eureka/apps/LONG/${id}`)).status).toBe(200);
    expect((await call("GET", `/eureka/apps/LONG/${id}`)).status).toBe(200);
    expect((await call("PUT", `/eureka/apps/LONG/${id}/status?value=OUT_OF_SERVICE`)).status).toBe(200);
    expect((await call("DELETE", `/eureka/apps/LONG/${id}`)).status).toBe(200);

    const register = { Name: "long", ID: id, Check: { TTL: "30s" } };
    expect((await call("PUT", "/v1/agent/service/register", register)).status).toBe(200);
    expect((await call("PUT", `/v1/agent/check/pass/service:${id}`)).status).toBe(200);
    const health = (await (await call("GET", "/v1/health/service/long")).json()) as {
      Checks: { Status: string }[];
    }[];
    expect(health[0]?.Checks.map((c) => c.Status)).toContain("passing");
    expect((await call("PUT", `/v1/agent/service/deregister/${id}`)).status).toBe(200);
    expect(await (await call("GET", "/v1/health/service/long")).json()).toEqual([]);
  });

  it("keeps the XML full fetch well-formed when one registration holds text XML cannot carry", async () => {
    const bad = "z\u0000\u0001\u0007\ud800\uffff";
    const eureka = eurekaInstance(`xml-${bad}`, { hostName: `h${bad}`, metadata: { note: bad } });
    expect((await call("POST", "/eureka/apps/LONG", eureka)).status).toBe(204);
    const consul = { Name: "xml-text", ID: `xml${bad}`, Tags: [bad], Meta: { note: bad } };
    expect((await call("PUT", "/v1/agent/service/register", consul)).status).toBe(200);
    for (const path of ["/eureka/apps", "/eureka/apps/delta", "/eureka/apps/LONG", "/eureka/apps/XML-TEXT"]) {
      const res = await fetch(`${registry.url}${path}`, { headers: { ...auth, accept: "application/xml" } });
      expect(res.status).toBe(200);
      const xml = await res.text();
      expect(xml).toContain("\uFFFD");
      expect(xml.match(NOT_XML_CHAR)?.[0]).toBeUndefined();
    }
    // JSON carries every character (escaped), as Eureka's JSON codec does.
    const json = await (await call("GET", "/eureka/apps/LONG")).text();
    expect(json).toContain("\\u0000");
  });

  it("runs an HTTP check whose URL holds credentials as Go does (Basic auth) and never shows the password", async () => {
    const password = "hunter2:with:colons";
    const seen: (string | undefined)[] = [];
    const target = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === `Basic ${Buffer.from(`alice:${password}`).toString("base64")}`;
      res.writeHead(ok ? 200 : 401).end(ok ? "fine" : "who?");
    });
    const port = await listen(target);
    try {
      const url = `http://alice:${encodeURIComponent(password)}@127.0.0.1:${port}/health`;
      const register = { Name: "creds", Check: { HTTP: url, Interval: "1s" } };
      expect((await call("PUT", "/v1/agent/service/register", register)).status).toBe(200);
      // A blocking query returns when the check's first probe changes its status (no sleeping).
      let index = "0";
      let checks: { Status: string; Output: string }[] = [];
      const probed = () => checks.find((c) => c.Output.startsWith("HTTP"));
      for (let round = 0; round < 5 && probed()?.Status !== "passing"; round++) {
        const res = await call("GET", `/v1/health/service/creds?index=${index}&wait=5s`);
        index = res.headers.get("x-consul-index") ?? index;
        checks = ((await res.json()) as { Checks: { Status: string; Output: string }[] }[])[0]?.Checks ?? [];
      }
      const check = probed();
      expect(check?.Status).toBe("passing");
      expect(check?.Output).not.toContain("hunter2");
      expect(seen[0]).toMatch(/^Basic /);
      const all = await (await call("GET", "/v1/agent/checks")).text();
      expect(all).not.toContain("hunter2");
      expect(registry.output()).not.toContain("hunter2");
    } finally {
      target.close();
    }
  });
  it("reads every check duration with Go's whole grammar (as ?wait= does) and refuses a negative one by name", async () => {
    // Go's time.ParseDuration (src/time/format.go) takes a sign, a fraction without a leading digit, and µ or μ.
    for (const [field, value] of [
      ["Interval", ".5s"],
      ["Interval", "+2s"],
      ["Timeout", "1.5μs"],
      ["DeregisterCriticalServiceAfter", "+90m"],
    ]) {
      const check = { TCP: "127.0.0.1:9", Interval: "10s", [field as string]: value };
      const res = await call("PUT", "/v1/agent/service/register", { Name: "go-grammar", Check: check });
      expect(res.status, `${field}=${value}: ${await res.text()}`).toBe(200);
    }
    for (const field of ["Interval", "Timeout", "TTL", "DeregisterCriticalServiceAfter"]) {
      const check = field === "TTL" ? { TTL: "-10s" } : { TCP: "127.0.0.1:9", Interval: "10s", [field]: "-10s" };
      const res = await call("PUT", "/v1/agent/service/register", { Name: "negative", Check: check });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(`${field} "-10s" must not be negative`);
    }
  });
});
