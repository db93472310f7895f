import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
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
  let front: TcpFront;
  beforeAll(async () => {
    await registry.start();
    front = await TcpFront.open(registry.port);
  });
  afterAll(async () => {
    await front.close();
    await registry.kill();
  });

  /** Sockets the client under test opens from now on. */
  const counting = () => {
    const before = front.accepted;
    return () => front.accepted - before;
  };
  const frontUrl = () => `http://127.0.0.1:${front.port}`;

  it("RegistryWatchInstancer: ten changes, each answered to a held watch, one socket", async () => {
    const opened = counting();
    const instancer = new RegistryWatchInstancer({ registryUrl: `${frontUrl()}/eureka`, service: "watched" });
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

  it("EurekaDeltaInstancer: ten refreshes back to back (a delta right after the last answer), one socket", async () => {
    const opened = counting();
    const instancer = new EurekaDeltaInstancer({
      registryUrl: `${frontUrl()}/eureka`,
      service: "polled",
      pollIntervalMs: 3_600_000, // only the refreshes below after the first sync
    });
    try {
      await next(instancer.onSync); // the first, full fetch
      for (let i = 1; i <= 10; i += 1) {
        await registry.register("polled", `p-${i}`);
        await instancer.refresh();
      }
      expect(instancer.current().instances).toHaveLength(10);
      // On main: each request after the first found the connection still busy and opened a socket of its own.
      expect(opened()).toBe(1);
    } finally {
      instancer.close();
    }
  });

  it("ConsulInstancer: ten changes, each answered to a held blocking query, one socket", async () => {
    const opened = counting();
    const instancer = new ConsulInstancer({ consul: { host: "127.0.0.1", port: front.port }, service: "blocked" });
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
