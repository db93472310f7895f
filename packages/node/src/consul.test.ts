import { createServer } from "node:http";
import { startServer } from "@outrigger/registry-server";
import { describe, expect, it } from "vitest";
import { createOutrigger } from "./outrigger.js";

// `registry.kind: "consul"`: the same og on Consul's agent API (here the Outrigger registry's, which serves it; the
// Consul backends are tested against it as real processes in @outrigger/discovery's consul-e2e.test.ts).
describe("registry.kind consul", () => {
  it("registers with a TTL check and resolves lb:// through Consul's health API", async () => {
    const agent = await startServer({ port: 0 });
    const registry = { kind: "consul" as const, url: agent.url, renewIntervalMs: 1_000 };
    const common = { shutdown: { signals: [] as [] }, instance: { host: "127.0.0.1" } };
    const inventory = await createOutrigger({
      service: "inventory",
      port: 0,
      config: { outrigger: { registry, ...common } },
    });
    await inventory.listen(createServer(inventory.inbound.nodeHandler((_q, r) => r.end("via consul"))), "127.0.0.1");
    const orders = await createOutrigger({
      service: "orders",
      port: 0,
      config: {
        outrigger: { registry: { ...registry, enabled: false }, ...common, clients: { waitForInstancesMs: 5_000 } },
      },
    });
    expect(await (await orders.fetch("lb://inventory/items")).text()).toBe("via consul");
    await orders.close();
    await inventory.close();
    const left = await (await fetch(`${agent.url}/v1/health/service/inventory`)).json();
    expect(left).toEqual([]); // deregistered on close
    await agent.close();
  });
});
