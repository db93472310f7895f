// Rule from Netflix/eureka: eureka-core/.../registry/AbstractInstanceRegistry.java renew — after DELETE …/status
// without a value the instance is UNKNOWN and its next heartbeat is answered 404 ("re-register required"); the
// registry-server side is in packages/registry-server/src/conformance/eureka-status-overrides.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EurekaRegistrar, type RegisterReason } from "./eureka-registrar.js";
import { RegistryProcess } from "./testing/registry-process.js";

describe("EurekaRegistrar recovers from a deleted status override within one heartbeat (real registry process)", () => {
  const registry = new RegistryProcess();
  beforeAll(() => registry.start());
  afterAll(() => registry.kill());

  it("gets 404 on the heartbeat after DELETE …/status, registers again and is UP", async () => {
    const RENEW_MS = 300;
    const registrar = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app: "override", host: "127.0.0.1", port: 9300, instanceId: "o-1" },
      renewIntervalMs: RENEW_MS,
    });
    try {
      await registrar.register();
      const base = `${registry.eurekaUrl}/apps/OVERRIDE/o-1`;
      expect((await fetch(`${base}/status?value=OUT_OF_SERVICE`, { method: "PUT" })).status).toBe(200);
      const again = new Promise<RegisterReason>((resolve) => {
        const sub = registrar.onRegister(({ reason }) => {
          sub.dispose();
          resolve(reason);
        });
      });
      const deletedAt = Date.now();
      expect((await fetch(`${base}/status`, { method: "DELETE" })).status).toBe(200);
      expect(await again).toBe("re-register");
      expect(Date.now() - deletedAt).toBeLessThan(RENEW_MS * 2 + 1_000);
      const instance = (await (await fetch(base, { headers: { accept: "application/json" } })).json()) as {
        instance: { status: string };
      };
      expect(instance.instance.status).toBe("UP");
    } finally {
      await registrar.close();
    }
  });
});
