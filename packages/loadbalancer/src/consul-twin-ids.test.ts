// traefik/traefik#5850 (fixed in #5900), fabiolb/fabio#383: agents that load a service definition without `id` all
// register the service's name as its ID, which Consul allows (an ID is unique per node). Keyed by that ID alone, two
// instances shared one set of stats: retries found no untried instance and the failing one was never ejected.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConsulInstancer } from "@outrigger/discovery/consul";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { startInstances } from "./seam/seam-fixture.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let fixture: Awaited<ReturnType<typeof startInstances>>;
let agent: Server;
let agentPort = 0;
beforeAll(async () => {
  fixture = await startInstances(["503", "ok"]);
  const entry = (node: string, port: number) => ({
    Node: { Node: node, Address: "127.0.0.1", Datacenter: "dc1" },
    Service: { ID: "web", Service: "web", Address: "127.0.0.1", Port: port, Tags: [] },
    Checks: [],
  });
  const answer = JSON.stringify([entry("n1", fixture.get("503").port), entry("n2", fixture.get("ok").port)]);
  // A real agent's blocking query: index 5 answers at once, a query at index 5 is held until the test ends.
  agent = createServer((req, response) => {
    if (new URL(req.url ?? "/", "http://x").searchParams.get("index") === "5") return;
    response.writeHead(200, { "content-type": "application/json", "x-consul-index": "5" });
    response.end(answer);
  });
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  agentPort = (agent.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.closeAllConnections();
  await new Promise((resolve) => agent.close(resolve));
  await fixture.close();
});

describe("two Consul nodes registering one service ID", () => {
  it("are two instances: each 503 is retried on the other node and the failing one is ejected", async () => {
    const instancer = new ConsulInstancer({ consul: { host: "127.0.0.1", port: agentPort }, service: "web" });
    await new Promise<void>((resolve) => instancer.onChange((s) => s.instances.length > 0 && resolve()));
    const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }) });
    const ejected: string[] = [];
    balancer.onEjection((event) => ejected.push(event.instance.id));
    const dispatcher = createLbDispatcher({ balancer: (s) => (s === "web" ? balancer : undefined) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await request("http://web/x", { dispatcher });
        statuses.push(answer.statusCode);
        await answer.body.dump();
      }
      expect(statuses).toEqual(Array(20).fill(200));
      expect(ejected).toEqual(["web@n1"]);
      expect(balancer.stats("web@n2")?.consecutiveFailures).toBe(0);
      // Envoy's consecutive_5xx (5): the failing node got five requests, then none.
      expect(fixture.get("503").received).toBe(5);
    } finally {
      await dispatcher.close();
      balancer.close();
      instancer.close();
    }
  });
});
