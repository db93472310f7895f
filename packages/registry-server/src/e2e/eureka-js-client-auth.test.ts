import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { Eureka, type EurekaClient, jsClientConfig } from "./eureka-js-fixture.js";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { ids, watchUntil } from "./watch-until.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const WRITE = "js-write-2c7d";

let registry: RegistryProcess | undefined;
let client: EurekaClient | undefined;
afterAll(async () => {
  if (client) await new Promise((resolve) => client?.stop(() => resolve(undefined)));
  await registry?.stop();
});

// Eureka clients carry credentials in the service URL (Spring: `eureka.client.serviceUrl.defaultZone:
// http://user:secret@host/eureka/`) and send them as Basic; the registry takes the password as its token.
describe("eureka-js-client with credentials in its service URL, against --token", () => {
  it("registers, heartbeats and fetches with Basic credentials", async () => {
    registry = await spawnRegistry(["--port", "0", "--token", WRITE]);
    const { port } = registry;
    client = new Eureka(
      jsClientConfig(
        port,
        silent,
        {
          serviceUrls: { default: [`http://eureka:${WRITE}@127.0.0.1:${port}/eureka/apps/`] },
          maxRetries: 3,
          requestRetryDelay: 100,
        },
        { app: "jsauth", instanceId: "js-auth-1" },
      ),
    );
    const heartbeat = once(client as never, "heartbeat");
    await new Promise<void>((resolve, reject) => client?.start((error) => (error ? reject(error) : resolve())));
    const auth = { authorization: `Bearer ${WRITE}` };
    expect(ids(await watchUntil(registry.url, "JSAUTH", (list) => list.length === 1, auth))).toEqual(["js-auth-1"]);
    await heartbeat;
    await once(client as never, "registryUpdated");
    expect(client.getInstancesByAppId("jsauth").map((i) => i.instanceId)).toEqual(["js-auth-1"]);
    expect(registry.output()).not.toContain(WRITE);
  });
});
