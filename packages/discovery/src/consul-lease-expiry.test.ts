import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, snapshotWhere } from "./testing/snapshots.js";

// Issue 14 item 5, replayed against a real registry process: an instance registered over Eureka with a 2 s lease
// stops renewing. Its lease ending changes what `/v1/health/service/x?passing` answers, so the registry must move
// the index and wake the instancer's held blocking query (hashicorp/consul agent/blockingquery/blockingquery.go),
// long before eviction (every 60 s by default) would remove it. On main the query held its full wait and answered
// the same index, so the instancer kept the instance.
describe("ConsulInstancer sees an unrenewed Eureka lease end", () => {
  const registry = new RegistryProcess();
  beforeAll(() => registry.start());
  afterAll(() => registry.kill());

  it("drops the instance within its blocking wait once the lease has passed its end", async () => {
    const watch = new ConsulInstancer({
      consul: { host: "127.0.0.1", port: registry.port },
      service: "leased",
      wait: "6s",
      restartGraceMs: 0,
    });
    try {
      const registered = await fetch(`${registry.eurekaUrl}/apps/LEASED`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          instance: {
            instanceId: "leased-1",
            app: "LEASED",
            hostName: "127.0.0.1",
            ipAddr: "127.0.0.1",
            status: "UP",
            port: { $: 9100, "@enabled": "true" },
            dataCenterInfo: { name: "MyOwn" },
            leaseInfo: { durationInSecs: 2 },
          },
        }),
      });
      expect(registered.status).toBe(204);
      const since = performance.now();
      await snapshotWhere(watch, (s) => ids(s).join() === "leased-1");
      await snapshotWhere(watch, (s) => s.instances.length === 0);
      // The lease ends 2 s after registering; the held query (6 s) answers then, not at its end nor at eviction.
      expect(performance.now() - since).toBeLessThan(5_000);
    } finally {
      watch.close();
    }
  }, 20_000);
});
