import { FixedInstancer, type Instancer } from "@outrigger/discovery";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outriggerConfigSchema } from "./config-schema.js";
import { type CountingFront, startCountingFront } from "./counting-front.fixture.js";
import { startClient, startInstance } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";
import { createServiceClients } from "./service-clients.js";

// clients.eagerLoad, as Spring Cloud LoadBalancer's `spring.cloud.loadbalancer.eager-load.clients` (and Ribbon's
// `ribbon.eager-load.clients`): the listed services are made at start, so their watch has answered before the first
// request, and they are kept.
describe("clients.eagerLoad: services made at start and kept", () => {
  it("pinned services are made at once, never idle-closed nor dropped as unknown; unpinned ones follow the idle rules", async () => {
    let now = 0;
    const made: string[] = [];
    const config = outriggerConfigSchema.parse({ clients: { idleCloseMs: 1_000, waitForInstancesMs: 0 } });
    const clients = createServiceClients({
      config: () => config,
      instancer: (name) => {
        made.push(name);
        return new FixedInstancer([]) as Instancer;
      },
      clock: { now: () => now },
    });
    clients.pin(["inventory", "billing"]);
    expect(made).toEqual(["inventory", "billing"]); // before any request
    clients.balancer("other");
    now += 5_000;
    expect(clients.sweep()).toEqual(["other"]);
    // A pinned service with no instance yet is a dependency that has not registered: its wait ends, it stays.
    await expect(clients.balancer("inventory").acquire()).rejects.toMatchObject({ code: "OUTRIGGER_UNKNOWN_SERVICE" });
    expect(clients.services().sort()).toEqual(["billing", "inventory"]);
    clients.pin(["billing"]); // inventory back to the idle rules
    now += 5_000;
    expect(clients.sweep()).toEqual(["inventory"]);
    expect(made).toEqual(["inventory", "billing", "other"]);
    clients.close();
  });

  it("the config refuses more eager services than clients.maxServices, naming the key", () => {
    const result = outriggerConfigSchema.safeParse({ clients: { maxServices: 1, eagerLoad: ["a", "b"] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["clients", "eagerLoad"] });
    expect(result.error?.issues[0]?.message).toContain("more than clients.maxServices (1)");
  });

  describe("on a real registry", () => {
    let registry: Awaited<ReturnType<typeof startServer>>;
    let front: CountingFront;
    let client: Outrigger | undefined;
    let instance: Awaited<ReturnType<typeof startInstance>> | undefined;

    beforeAll(async () => {
      registry = await startServer({ port: 0 });
      instance = await startInstance("inventory", `${registry.url}/eureka`, () => "eager ok");
      // A counting TCP front: the client's connections to the registry, with no request of its own made.
      front = await startCountingFront(registry.url);
    });
    afterAll(async () => {
      await client?.close();
      await instance?.og.close();
      instance?.server.close();
      front.server.close();
      await registry.close();
    });

    it("the eager service's watch opens at start, before any request, and its first request is answered", async () => {
      client = await startClient(`http://127.0.0.1:${front.port}/eureka`, { eagerLoad: ["inventory"] });
      // No request was made: only eager load opens a registry connection for a client that does not register.
      await expect.poll(front.accepted, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
      const open = await client.metrics.getSingleMetric("outrigger_client_services_open")?.get();
      expect(open?.values[0]?.value).toBe(1);
      expect((await client.http.get("lb://inventory/items")).data).toBe("eager ok");
    });
  });
});
