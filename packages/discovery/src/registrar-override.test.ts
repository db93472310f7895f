// Rule from Netflix/eureka: eureka-core/.../registry/AbstractInstanceRegistry.java renew — after DELETE …/status
// without a value the instance is UNKNOWN and its next heartbeat is answered 404 ("re-register required"); the
// registry-server side is in packages/registry-server/src/conformance/eureka-status-overrides.test.ts.
// And LeaseExistsRule (eureka-core/.../registry/rule/LeaseExistsRule.java): a stock Eureka keeps a stored UP or
// OUT_OF_SERVICE against the client's own registration (Netflix/eureka#1398), so a drain must be the status
// override (`PUT …/status?value=`), as Spring's EurekaServiceRegistry.setStatus sends it.
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
  it("drains and comes back through the status override, and restates it after the registry restarts", async () => {
    const registrar = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app: "drain", host: "127.0.0.1", port: 9301, instanceId: "d-1" },
      renewIntervalMs: 300,
    });
    const base = `${registry.eurekaUrl}/apps/DRAIN/d-1`;
    const read = async () =>
      (
        (await (await fetch(base, { headers: { accept: "application/json" } })).json()) as {
          instance: { status: string; overriddenStatus: string };
        }
      ).instance;
    const next = (reason: RegisterReason) =>
      new Promise<void>((resolve) => {
        const sub = registrar.onRegister((e) => {
          if (e.reason !== reason) return;
          sub.dispose();
          resolve();
        });
      });
    try {
      await registrar.register();
      await registrar.setStatus("OUT_OF_SERVICE");
      // An override, not a registration (which would leave overriddenStatus UNKNOWN, and UP on a stock Eureka).
      expect(await read()).toMatchObject({ status: "OUT_OF_SERVICE", overriddenStatus: "OUT_OF_SERVICE" });
      await registrar.setStatus("UP");
      expect(await read()).toMatchObject({ status: "UP", overriddenStatus: "UP" });
      await registrar.setStatus("OUT_OF_SERVICE");
      // The registry restarts and loses everything: the registrar registers again and restates its override.
      const back = next("re-register");
      await registry.kill();
      await registry.start();
      await back;
      // Registered OUT_OF_SERVICE again; the restated override is a no-op on a status already so (Eureka's
      // statusUpdate records an override only when the status changes), and coming back still works.
      expect((await read()).status).toBe("OUT_OF_SERVICE");
      await registrar.setStatus("UP");
      expect(await read()).toMatchObject({ status: "UP", overriddenStatus: "UP" });
    } finally {
      await registrar.close();
    }
  });
});
