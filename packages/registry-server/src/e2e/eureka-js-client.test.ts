import { once } from "node:events";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { ids, watchUntil } from "./watch-until.js";

/** The slice of eureka-js-client (an unmodified Eureka client from npm) this test drives. */
interface EurekaClient {
  start(callback: (error?: Error) => void): void;
  stop(callback: (error?: Error) => void): void;
  getInstancesByAppId(app: string): { instanceId: string }[];
  on(event: string, listener: () => void): void;
  once(event: string, listener: () => void): void;
}

const require = createRequire(import.meta.url);
const { Eureka } = require("eureka-js-client") as { Eureka: new (config: unknown) => EurekaClient };

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const running = new Set<RegistryProcess>();
let client: EurekaClient | undefined;
afterAll(async () => {
  if (client) await new Promise((resolve) => client?.stop(() => resolve(undefined)));
  await Promise.all([...running].map((p) => p.stop()));
});

describe("interop with eureka-js-client 4.5 (unmodified, from npm)", () => {
  it("registers, heartbeats, fetches, re-registers after a registry restart (404), and deregisters", async () => {
    const port = await freePort();
    let registry = await spawnRegistry(["--port", String(port)]);
    running.add(registry);
    client = new Eureka({
      instance: {
        app: "jsclient",
        instanceId: "js-1",
        hostName: "localhost",
        ipAddr: "127.0.0.1",
        port: { $: 8080, "@enabled": true },
        vipAddress: "jsclient",
        dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      },
      eureka: {
        host: "127.0.0.1",
        port,
        servicePath: "/eureka/apps/",
        heartbeatInterval: 200,
        registryFetchInterval: 200,
        maxRetries: 3,
        requestRetryDelay: 100,
      },
      logger: silent,
    });
    const heartbeat = once(client as never, "heartbeat");
    await new Promise<void>((resolve, reject) => client?.start((error) => (error ? reject(error) : resolve())));
    expect(ids(await watchUntil(registry.url, "JSCLIENT", (list) => list.length === 1))).toEqual(["js-1"]);
    await heartbeat;
    await once(client as never, "registryUpdated");
    expect(client.getInstancesByAppId("jsclient").map((i) => i.instanceId)).toEqual(["js-1"]);

    // A restarted registry knows nothing: the client's next heartbeat gets 404 and it registers again.
    running.delete(registry);
    await registry.stop();
    registry = await spawnRegistry(["--port", String(port)]);
    running.add(registry);
    expect(ids(await watchUntil(registry.url, "JSCLIENT", (list) => list.length === 1))).toEqual(["js-1"]);

    const deregistered = once(client as never, "deregistered");
    await new Promise((resolve) => client?.stop(() => resolve(undefined)));
    client = undefined;
    await deregistered;
    expect(
      (await fetch(`${registry.url}/eureka/apps/JSCLIENT`, { headers: { accept: "application/json" } })).status,
    ).toBe(404);
  });
});
