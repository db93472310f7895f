import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDiscoveryError } from "./errors.js";
import { EurekaInstancer } from "./eureka-instancer.js";
import { EurekaRegistrar, type RegisterReason } from "./eureka-registrar.js";
import type { Snapshot } from "./service-instance.js";

// Against a real registry-server on loopback: the HTTP API is the contract between the two packages.
describe("EurekaRegistrar and EurekaInstancer against a real registry", () => {
  let server: RunningServer;
  const closers: Array<() => unknown> = [];
  beforeAll(async () => {
    server = await startServer({ port: 0 });
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await server.close();
  });

  const registrar = (id: string, renewIntervalMs = 60_000) => {
    const r = new EurekaRegistrar({
      registryUrl: `${server.url}/eureka`,
      instance: { app: "orders", host: "127.0.0.1", port: 9001, instanceId: id },
      renewIntervalMs,
    });
    closers.push(() => r.close());
    return r;
  };

  it("registers, is discovered, and leaves nothing behind on close", async () => {
    const r = registrar("orders-1");
    await r.register();
    const instancer = new EurekaInstancer({ registryUrl: `${server.url}/eureka`, service: "orders" });
    closers.push(() => instancer.close());
    const snapshot = await instancer.refresh();
    expect(snapshot.instances.map((i) => [i.id, i.host, i.port, i.status])).toEqual([
      ["orders-1", "127.0.0.1", 9001, "UP"],
    ]);

    await r.close();
    expect(server.registry.application("ORDERS")).toEqual([]);
    expect((await instancer.refresh()).instances).toEqual([]);
  });

  it("registers again when a renew answers 404", async () => {
    const reasons: RegisterReason[] = [];
    const r = registrar("orders-2", 20);
    r.onRegister(({ reason }) => reasons.push(reason));
    await r.register();
    server.registry.cancel("ORDERS", "orders-2"); // as if the registry restarted or evicted us
    await new Promise<void>((resolve) => {
      const sub = r.onRegister(() => {
        sub.dispose();
        resolve();
      });
    });
    expect(reasons).toEqual(["initial", "re-register"]);
    expect(server.registry.get("ORDERS", "orders-2")).toBeDefined();
  });

  it("leaves nothing behind when closed while its first registration is on the wire", async () => {
    const r = registrar("orders-3");
    void r.register();
    await r.close();
    expect(server.registry.get("ORDERS", "orders-3")).toBeUndefined();
  });

  it("keeps the last good snapshot and reports an error when the registry is unreachable", async () => {
    const down = await startServer({ port: 0 });
    const r = new EurekaRegistrar({
      registryUrl: `${down.url}/eureka`,
      instance: { app: "pay", host: "127.0.0.1", port: 1 },
    });
    await r.register();
    const instancer = new EurekaInstancer({ registryUrl: `${down.url}/eureka`, service: "pay" });
    closers.push(() => instancer.close());
    const changes: Snapshot[] = [];
    instancer.onChange((s) => changes.push(s));
    await instancer.refresh();
    await instancer.refresh(); // identical: not published again
    expect(changes).toHaveLength(1);
    await down.close();

    const errors: unknown[] = [];
    instancer.onError((e) => errors.push(e));
    await expect(instancer.refresh()).rejects.toSatisfy(isDiscoveryError);
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code: string }).code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
    expect(instancer.current().instances.map((i) => i.service)).toEqual(["pay"]);
  });
});
