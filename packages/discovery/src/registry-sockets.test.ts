import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { next, snapshotWhere } from "./testing/snapshots.js";
import { TcpFront } from "./testing/tcp-front.js";

/*
 * One client, one connection: a registry client that sends its requests one after the other keeps using one
 * kept-alive socket. Small, uncompressed answers are read in the microtasks right after they end, before undici
 * frees their connection (nodejs/undici lib/dispatcher/client-h1.js `onMessageComplete` reuses a socket only a full
 * event-loop turn later), so a request sent from them opened a second socket (packages/node unknown-services: peak
 * 40 > 20 for 20 watches). The registry is the real CLI in a child process; every client reaches it through a TCP
 * front that counts the sockets it opens, as a server's `connection` event does. Changes are written straight to
 * the registry, not through the front.
 */
describe("registry clients keep one socket across consecutive requests (real registry process)", () => {
  const registry = new RegistryProcess();
  const fronts: TcpFront[] = [];
  beforeAll(() => registry.start());
  afterAll(async () => {
    await Promise.all(fronts.map((f) => f.close()));
    await registry.kill();
  });

  /**
   * A front of its own for each test: a new origin, so no kept-alive socket of an earlier test is in the pool.
   * `opened()` counts the sockets the client under test opened.
   */
  const counting = async () => {
    const front = await TcpFront.open(registry.port);
    fronts.push(front);
    return { url: `http://127.0.0.1:${front.port}`, port: front.port, opened: () => front.accepted };
  };

  it("RegistryWatchInstancer: ten changes, each answered to a held watch, one socket", async () => {
    const { url, opened } = await counting();
    const instancer = new RegistryWatchInstancer({ registryUrl: `${url}/eureka`, service: "watched" });
    try {
      for (let i = 1; i <= 10; i += 1) {
        await registry.register("watched", `w-${i}`);
        await snapshotWhere(instancer, (s) => s.instances.length === i);
      }
      expect(opened()).toBe(1);
    } finally {
      instancer.close();
    }
  });

  it("EurekaDeltaInstancer: ten refreshes back to back, one socket", async () => {
    const { url, opened } = await counting();
    const instancer = new EurekaDeltaInstancer({
      registryUrl: `${url}/eureka`,
      service: "polled",
      pollIntervalMs: 3_600_000, // only the refreshes below after the first sync
    });
    try {
      await next(instancer.onSync); // the first, full fetch
      for (let i = 1; i <= 3; i += 1) await registry.register("polled", `p-${i}`);
      for (let i = 1; i <= 10; i += 1) await instancer.refresh(); // each sent as the last one's answer is read
      expect(instancer.current().instances).toHaveLength(3);
      // On main: each request after the first found the connection still busy and opened a socket of its own.
      expect(opened()).toBe(1);
    } finally {
      instancer.close();
    }
  });

  it("EurekaRegistrar: a renewal answered 404 and the registration sent right after it, one socket", async () => {
    const { url, opened } = await counting();
    const registrar = new EurekaRegistrar({
      registryUrl: `${url}/eureka`,
      instance: { app: "renewed", host: "127.0.0.1", port: 9100, instanceId: "n-1" },
      renewIntervalMs: 100,
    });
    try {
      await registrar.register();
      for (let i = 0; i < 3; i += 1) {
        // The registry forgets the instance (a cancel from elsewhere, an eviction): the next renewal gets a 404 and
        // the registrar registers again at once, from the microtasks that read that answer.
        const res = await fetch(`${registry.eurekaUrl}/apps/RENEWED/n-1`, { method: "DELETE" });
        await res.arrayBuffer();
        expect(await next(registrar.onRegister)).toEqual({ reason: "re-register" });
      }
      expect(opened()).toBe(1);
    } finally {
      await registrar.close();
    }
  });

  it("ConsulInstancer: ten changes, each answered to a held blocking query, one socket", async () => {
    const { port, opened } = await counting();
    const instancer = new ConsulInstancer({ consul: { host: "127.0.0.1", port }, service: "blocked" });
    try {
      for (let i = 1; i <= 10; i += 1) {
        const res = await fetch(`${registry.url}/v1/agent/service/register`, {
          method: "PUT",
          body: JSON.stringify({ Name: "blocked", ID: `c-${i}`, Address: "127.0.0.1", Port: 9000 + i }),
        });
        expect(res.status).toBe(200);
        await snapshotWhere(instancer, (s) => s.instances.length === i);
      }
      expect(opened()).toBe(1);
    } finally {
      instancer.close();
    }
  });
});
