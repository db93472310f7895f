import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { ConsulRegistrar } from "./consul-registrar.js";
import { parseConsulHealth } from "./consul-wire.js";
import { isDiscoveryError } from "./errors.js";
import { withTags } from "./filters.js";
import { InstanceCache } from "./instance-cache.js";

// The wire mapping and the behaviour when the agent cannot be reached (a closed port). The backend against a live
// Consul API (the registry's, as a real process) is in consul-e2e.test.ts.

/** A health.service answer in the shape Consul documents for `GET /v1/health/service/:service`. */
const healthAnswer = [
  {
    Node: { ID: "40e4a748", Node: "foobar", Address: "10.1.10.12", Datacenter: "dc1" },
    Service: {
      ID: "redis-1",
      Service: "redis",
      Tags: ["primary", "v1"],
      Address: "10.1.10.13",
      Meta: { redis_version: "4.0" },
      Port: 8000,
      Weights: { Passing: 10, Warning: 1 },
    },
    Checks: [{ CheckID: "service:redis-1", Status: "passing" }],
  },
  {
    Node: { Node: "baz", Address: "10.1.10.14", Datacenter: "dc1" },
    Service: { ID: "redis-2", Service: "redis", Tags: [], Address: "", Meta: { zone: "eu-1a" }, Port: 8001 },
    Checks: [],
  },
  { Node: {}, Service: { ID: "broken", Service: "redis", Port: 0 } },
];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("Consul wire mapping", () => {
  it("reads health.service entries: service address or the node's, tags, meta, zone, weight", () => {
    const instances = parseConsulHealth(healthAnswer);
    expect(instances).toEqual([
      {
        id: "redis-1",
        service: "redis",
        host: "10.1.10.13",
        port: 8000,
        secure: false,
        status: "UP",
        zone: "dc1",
        weight: 10,
        metadata: { redis_version: "4.0", tags: "primary,v1" },
      },
      {
        id: "redis-2",
        service: "redis",
        host: "10.1.10.14",
        port: 8001,
        secure: false,
        status: "UP",
        zone: "eu-1a",
        metadata: { zone: "eu-1a" },
      },
    ]);
    expect(instances.filter(withTags("primary")).map((i) => i.id)).toEqual(["redis-1"]);
    expect(() => parseConsulHealth({})).toThrow(/without an array/);
  });
});

describe("Consul backend with the agent unreachable", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("the instancer reports DISCOVERY_REGISTRY_UNREACHABLE and serves its disk snapshot meanwhile", async () => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-consul-"));
    dirs.push(dir);
    const snapshotFile = join(dir, "redis.json");
    const seed = new InstanceCache({ snapshotFile });
    seed.update(parseConsulHealth(healthAnswer));
    await seed.flush();

    const instancer = new ConsulInstancer({
      consul: { host: "127.0.0.1", port: await closedPort() },
      service: "redis",
      snapshotFile,
      backoffFactorMs: 10,
    });
    try {
      const error = await new Promise<Error>((resolve) => instancer.onError(resolve));
      expect(isDiscoveryError(error) && error.code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
      expect(instancer.current().instances.map((i) => i.id)).toEqual(["redis-1", "redis-2"]);
    } finally {
      instancer.close();
    }
  });

  it("the registrar retries without rejecting or throwing, and close() returns", async () => {
    const registrar = new ConsulRegistrar({
      consul: { host: "127.0.0.1", port: await closedPort() },
      service: { name: "orders", host: "127.0.0.1", port: 9000 },
      retry: { initialMs: 10, maxMs: 20 },
    });
    const errors: Error[] = [];
    const twoErrors = new Promise<void>((resolve) =>
      registrar.onError((e) => {
        errors.push(e);
        if (errors.length === 2) resolve();
      }),
    );
    void registrar.register(); // would hang until the agent comes back; it must never reject
    await twoErrors;
    expect(errors.every((e) => isDiscoveryError(e) && e.code === "DISCOVERY_REGISTRY_UNREACHABLE")).toBe(true);
    expect(registrar.serviceId).toBe("orders-127.0.0.1-9000");
    await registrar.close();
  });
});
