import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { Eureka, type EurekaClient, jsClientConfig } from "./eureka-js-fixture.js";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { ids, watchUntil } from "./watch-until.js";

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
    client = new Eureka(jsClientConfig(port, silent, { maxRetries: 3, requestRetryDelay: 100 }));
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
