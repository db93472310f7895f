// Field cases, replayed with real processes:
// - Netflix/eureka#1490: "Eureka client gets only part of registered instances when eureka server starts up in
//   cluster mode": a node copying its peer's registry at start answered reads with what it had copied so far.
// - spring-cloud/spring-cloud-netflix#380: a server that answers at once after a restart, empty, makes "clients
//   clear their local caches on their next refresh". Eureka's rule (waitTimeInMsWhenSyncEmpty) refuses reads for a
//   while after a start that copied nothing; here that is --wait-when-sync-empty (read-gate.ts), off by default as
//   in Spring Cloud's standalone server, and the default's behaviour is shown too.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { Eureka, type EurekaClient, jsClientConfig } from "./eureka-js-fixture.js";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

/** Resolves when `client` next emits `event`. */
const next = (client: EurekaClient, event: string) =>
  new Promise<void>((resolve) => client.once(event, () => resolve()));

const running = new Set<RegistryProcess>();
const clients = new Set<EurekaClient>();
afterAll(async () => {
  await Promise.all([...clients].map((c) => new Promise((resolve) => c.stop(() => resolve(undefined)))));
  await Promise.all([...running].map((p) => p.stop()));
});

const JSON_ACCEPT = { accept: "application/json" };

async function spawn(args: string[]): Promise<RegistryProcess> {
  const p = await spawnRegistry(args);
  running.add(p);
  return p;
}

async function register(url: string, app: string, id: string, port = 8080): Promise<number> {
  const res = await fetch(`${url}/eureka/apps/${app}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(registration(id, { app, port: { $: port, "@enabled": "true" } })),
  });
  return res.status;
}

/**
 * A started eureka-js-client polling every 200 ms, and a wait for its n-th failed fetch from now (its own log line
 * "Error fetching registry": the event that says it asked and was refused).
 */
async function startClient(port: number) {
  const failures: Array<() => void> = [];
  let failed = 0;
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn(message: string) {
      if (message !== "Error fetching registry") return;
      failed += 1;
      for (const wake of failures.splice(0)) wake();
    },
  };
  const client = new Eureka(jsClientConfig(port, logger, { maxRetries: 0 }));
  clients.add(client);
  await new Promise<void>((resolve, reject) => client.start((error) => (error ? reject(error) : resolve())));
  const failedFetches = async (n: number) => {
    const target = failed + n;
    while (failed < target) await new Promise<void>((wake) => failures.push(wake));
  };
  /** Resolves on the client's next successful full fetch. */
  const nextFetch = () => next(client, "registryUpdated");
  const orders = () =>
    client
      .getInstancesByAppId("orders")
      .map((i) => i.instanceId)
      .sort();
  return { client, failedFetches, nextFetch, orders };
}

/** A registry with five ORDERS instances (registered once, no heartbeats) and a client whose cache holds them. */
async function fleetAndClient() {
  const port = await freePort();
  const first = await spawn(["--port", String(port)]);
  const five = ["o-1", "o-2", "o-3", "o-4", "o-5"];
  // eureka-js-client tells instances apart by host and port (its deltaUtils.findInstance), not by id.
  for (const [i, id] of five.entries()) expect(await register(first.url, "ORDERS", id, 9001 + i)).toBe(204);
  const js = await startClient(port);
  while (js.orders().length < 5) await js.nextFetch();
  expect(js.orders()).toEqual(five);
  running.delete(first);
  await first.stop();
  return { port, js, five };
}

describe("a registry restart and a third-party client's cache (eureka-js-client 4.5, real processes)", () => {
  it("by default (Spring Cloud's standalone rule) the restarted registry is read empty and the cache is dropped", async () => {
    const { port, js } = await fleetAndClient();
    await spawn(["--port", String(port)]);
    await js.nextFetch();
    // The fault spring-cloud-netflix#380 describes, kept as the default: five live instances gone from the client.
    expect(js.orders()).toEqual([]);
  });

  it("with --wait-when-sync-empty reads are refused (403) while instances re-register: the cache is kept", async () => {
    const { port, js, five } = await fleetAndClient();
    // Listened for before the restart: with the registry down no registration can succeed in between.
    const reRegistered = next(js.client, "registered");
    const restarted = await spawn(["--port", String(port), "--wait-when-sync-empty", "60"]);
    // Heartbeats are served meanwhile: the client's gets 404 and it registers again.
    await reRegistered;
    // Three refused fetches; a fetch that got through instead fails the test at once, not by timeout.
    const leaked = js.nextFetch().then(() => {
      throw new Error("a full fetch succeeded while reads should be refused");
    });
    await Promise.race([js.failedFetches(3), leaked]);
    leaked.catch(() => {});
    expect(js.orders()).toEqual(five);
    const status = (await (await fetch(`${restarted.url}/eureka/status`, { headers: JSON_ACCEPT })).json()) as {
      reads: { open: boolean; reason: string };
    };
    expect([status.reads.open, status.reads.reason]).toEqual([false, "sync-empty"]);
  });
});

describe("a node copying its peer's registry at start (Netflix/eureka#1490, real process, a held peer)", () => {
  it("refuses reads until the copy has landed, takes writes meanwhile, then serves the whole registry", async () => {
    const big = Array.from({ length: 2_000 }, (_, i) => registration(`big-${i}`, { app: "BIG" }).instance);
    const body = JSON.stringify({
      applications: { versions__delta: "1", apps__hashcode: "", application: [{ name: "BIG", instance: big }] },
    });
    let askedForApps!: () => void;
    const asked = new Promise<void>((resolve) => (askedForApps = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The peer: its full fetch is held until the test has read the starting node; anything else is a 404.
    const peer = createServer((request, response) => {
      if (request.method !== "GET" || !request.url?.startsWith("/eureka/apps")) {
        response.writeHead(404).end();
        return;
      }
      askedForApps();
      void released.then(() => response.writeHead(200, { "content-type": "application/json" }).end(body));
    });
    peer.listen(0, "127.0.0.1");
    await once(peer, "listening");
    try {
      const port = await freePort();
      const peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/eureka`;
      const starting = spawnRegistry(["--port", String(port), "--peer", peerUrl]);
      // Stopped by afterAll whatever happens below; a failed start is reported where it is awaited.
      starting.then(
        (p) => running.add(p),
        () => {},
      );
      await asked;
      const url = `http://127.0.0.1:${port}`;
      // Listening, copying: before, these were 200s with none of the peer's 2 000 instances.
      expect((await fetch(`${url}/eureka/apps`, { headers: JSON_ACCEPT })).status).toBe(403);
      expect((await fetch(`${url}/eureka/apps/BIG`, { headers: JSON_ACCEPT })).status).toBe(403);
      const consul = await fetch(`${url}/v1/health/service/big`);
      expect([consul.status, await consul.text()]).toEqual([500, "No cluster leader"]);
      expect(await register(url, "LATE", "late-1")).toBe(204);
      release();
      const node = await starting;
      expect(node.started.synced).toBe(2_000);
      const full = (await (await fetch(`${url}/eureka/apps`, { headers: JSON_ACCEPT })).json()) as {
        applications: { application: { name: string; instance: unknown[] }[] };
      };
      const counts = Object.fromEntries(full.applications.application.map((a) => [a.name, a.instance.length]));
      expect(counts).toEqual({ BIG: 2_000, LATE: 1 });
    } finally {
      release();
      peer.closeAllConnections();
      await new Promise((resolve) => peer.close(resolve));
    }
  });
});
