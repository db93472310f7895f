// Rules from Netflix/eureka: eureka-core/.../resources/InstanceResource.java (statusUpdate, deleteStatusUpdate,
// renewLease), eureka-core/.../registry/AbstractInstanceRegistry.java (register, renew, statusUpdate,
// deleteStatusOverride) and the rule chain built in PeerAwareInstanceRegistryImpl.java:
// FirstMatchWinsCompositeRule(DownOrStartingRule, OverrideExistsRule, LeaseExistsRule) + AlwaysMatchInstanceStatusRule.
import { once } from "node:events";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { watchUntil } from "../e2e/watch-until.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

describe("status overrides follow Eureka's rule chain (real registry process)", () => {
  it("DELETE …/status without value: UNKNOWN, the next heartbeat is 404, the client registers again and is UP", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SVC");
    expect(await eureka.register("a")).toBe(204);
    expect(await eureka.write("PUT", "a/status?value=OUT_OF_SERVICE")).toBe(200);
    expect(await eureka.write("DELETE", "a/status")).toBe(200);
    expect(await eureka.instance("a")).toMatchObject({ status: "UNKNOWN", overriddenStatus: "UNKNOWN" });
    // AbstractInstanceRegistry.renew: "Instance status UNKNOWN possibly due to deleted override; re-register".
    expect(await eureka.renew("a")).toBe(404);
    expect(await eureka.register("a")).toBe(204);
    expect(await eureka.instance("a")).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    expect(await eureka.renew("a")).toBe(200);
  });

  it("DELETE …/status on an instance with no override changes nothing (deleteStatusOverride)", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SVC");
    await eureka.register("b");
    expect(await eureka.write("DELETE", "b/status")).toBe(200);
    expect(await eureka.instance("b")).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    expect(await eureka.renew("b")).toBe(200);
  });

  it("an operator's UP override, then the client re-registers DOWN: DOWN (DownOrStartingRule wins)", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SVC");
    await eureka.register("c", { status: "STARTING" });
    // Spinnaker's "enable": PUT status?value=UP.
    expect(await eureka.write("PUT", "c/status?value=UP")).toBe(200);
    expect(await eureka.instance("c")).toMatchObject({ status: "UP", overriddenStatus: "UP" });
    await eureka.register("c", { status: "DOWN", lastDirtyTimestamp: String(Date.now() + 1) });
    expect((await eureka.instance("c")).status).toBe("DOWN");
  });

  it("an operator's OUT_OF_SERVICE wins over the client's UP (OverrideExistsRule), until it is deleted", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SVC");
    await eureka.register("d");
    await eureka.write("PUT", "d/status?value=OUT_OF_SERVICE");
    await eureka.register("d", { status: "UP", lastDirtyTimestamp: String(Date.now() + 1) });
    expect(await eureka.instance("d")).toMatchObject({ status: "OUT_OF_SERVICE", overriddenStatus: "OUT_OF_SERVICE" });
    expect(await eureka.renew("d")).toBe(200);
    expect((await eureka.instance("d")).status).toBe("OUT_OF_SERVICE");
    // DELETE with a value sets that status (and LeaseExistsRule keeps it on the client's next UP registration).
    await eureka.write("DELETE", "d/status?value=OUT_OF_SERVICE");
    await eureka.register("d", { status: "UP", lastDirtyTimestamp: String(Date.now() + 2) });
    expect(await eureka.instance("d")).toMatchObject({ status: "OUT_OF_SERVICE", overriddenStatus: "UNKNOWN" });
  });
});

/** The slice of eureka-js-client (unmodified, from npm) this test drives. */
interface EurekaClient {
  start(callback: (error?: Error) => void): void;
  stop(callback: (error?: Error) => void): void;
  on(event: string, listener: () => void): void;
  removeListener(event: string, listener: () => void): void;
}
const require = createRequire(import.meta.url);
const { Eureka } = require("eureka-js-client") as { Eureka: new (config: unknown) => EurekaClient };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
let client: EurekaClient | undefined;
afterAll(async () => {
  if (client) await new Promise((resolve) => client?.stop(() => resolve(undefined)));
});

describe("eureka-js-client 4.5 recovers from a deleted override within one heartbeat", () => {
  it("gets 404 on its next heartbeat, registers again and is UP", async () => {
    const registry = await start();
    const HEARTBEAT_MS = 300;
    client = new Eureka({
      instance: {
        app: "jsover",
        instanceId: "js-1",
        hostName: "localhost",
        ipAddr: "127.0.0.1",
        port: { $: 8080, "@enabled": true },
        vipAddress: "jsover",
        dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      },
      eureka: {
        host: "127.0.0.1",
        port: registry.port,
        servicePath: "/eureka/apps/",
        heartbeatInterval: HEARTBEAT_MS,
        registryFetchInterval: 60_000,
        maxRetries: 3,
        requestRetryDelay: 100,
      },
      logger: silent,
    });
    const registered = once(client as never, "registered");
    await new Promise<void>((resolve, reject) => client?.start((error) => (error ? reject(error) : resolve())));
    await registered;
    const eureka = eurekaCalls(registry.url, "JSOVER");
    await eureka.write("PUT", "js-1/status?value=OUT_OF_SERVICE");
    await watchUntil(registry.url, "JSOVER", (list) => list[0]?.status === "OUT_OF_SERVICE");
    const again = once(client as never, "registered");
    const deletedAt = Date.now();
    await eureka.write("DELETE", "js-1/status");
    await again;
    await watchUntil(registry.url, "JSOVER", (list) => list[0]?.status === "UP");
    // One heartbeat (plus the registration round trip), not "never" as on a registry that answers 200 to UNKNOWN.
    expect(Date.now() - deletedAt).toBeLessThan(HEARTBEAT_MS * 2 + 1_000);
  });
  it("an Eureka peer's StatusUpdate and DeleteStatusOverride batch items are applied (PeerReplicationResource)", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "MIX");
    expect(await eureka.register("m")).toBe(204);
    const { lastDirtyTimestamp } = await eureka.instance("m");
    // The items as Eureka's ReplicationTaskProcessor builds them: no instanceInfo, `status` the new status, no
    // Outrigger index header (a stock Eureka peer).
    const batch = async (action: string, status: string | null) => {
      const res = await fetch(`${registry.url}/eureka/peerreplication/batch`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          replicationList: [
            { appName: "MIX", id: "m", lastDirtyTimestamp: Number(lastDirtyTimestamp), status, action },
          ],
        }),
      });
      return ((await res.json()) as { responseList: { statusCode: number }[] }).responseList[0]?.statusCode;
    };
    expect(await batch("StatusUpdate", "OUT_OF_SERVICE")).toBe(200);
    expect(await eureka.instance("m")).toMatchObject({ status: "OUT_OF_SERVICE", overriddenStatus: "OUT_OF_SERVICE" });
    // The client's next heartbeat does not undo it (OverrideExistsRule).
    expect(await eureka.renew("m", `status=UP&lastDirtyTimestamp=${lastDirtyTimestamp}`)).toBe(200);
    expect((await eureka.instance("m")).status).toBe("OUT_OF_SERVICE");
    expect(await batch("DeleteStatusOverride", "UP")).toBe(200);
    expect(await eureka.instance("m")).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    // Unknown instance: 404, as the peer's single request; a StatusUpdate without a status: 400, nothing changed.
    expect(await batch("StatusUpdate", null)).toBe(400);
    expect((await eureka.instance("m")).status).toBe("UP");
    const other = await fetch(`${registry.url}/eureka/peerreplication/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        replicationList: [{ appName: "MIX", id: "ghost", status: "DOWN", action: "StatusUpdate" }],
      }),
    });
    expect(((await other.json()) as { responseList: { statusCode: number }[] }).responseList[0]?.statusCode).toBe(404);
  });
});
