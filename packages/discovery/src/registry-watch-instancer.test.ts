import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EurekaRegistrar } from "./eureka-registrar.js";
import { anyStatus } from "./filters.js";
import { RegistryWatchInstancer, registryOrigin } from "./registry-watch-instancer.js";
import type { Snapshot } from "./service-instance.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, snapshotWhere } from "./testing/snapshots.js";

describe("RegistryWatchInstancer", () => {
  it("finds the registry's origin beside its Eureka base URL", () => {
    expect(registryOrigin("http://h:1/eureka")).toBe("http://h:1");
    expect(registryOrigin("http://h:1/eureka/v2/")).toBe("http://h:1");
  });

  describe("against a real registry", () => {
    let server: RunningServer;
    const closers: Array<() => unknown> = [];
    beforeAll(async () => {
      server = await startServer({ port: 0 });
    });
    afterAll(async () => {
      for (const close of closers.reverse()) await close();
      await server.close();
    });

    it("is pushed every change of its service, held in a long poll between changes", async () => {
      const instancer = new RegistryWatchInstancer({ registryUrl: `${server.url}/eureka`, service: "orders" });
      closers.push(() => instancer.close());
      const registrar = new EurekaRegistrar({
        registryUrl: `${server.url}/eureka`,
        instance: { app: "orders", host: "127.0.0.1", port: 9001, instanceId: "w-1" },
        status: "STARTING",
      });
      closers.push(() => registrar.close());
      await registrar.register();
      // STARTING is registered but not published: only UP instances get traffic by default.
      await registrar.setStatus("UP");
      expect(ids(await snapshotWhere(instancer, (s) => s.instances.length === 1))).toEqual(["w-1"]);
      await registrar.setStatus("OUT_OF_SERVICE");
      await snapshotWhere(instancer, (s) => s.instances.length === 0);
      await registrar.setStatus("UP");
      await snapshotWhere(instancer, (s) => s.instances.length === 1);
      await registrar.close();
      await snapshotWhere(instancer, (s) => s.instances.length === 0);
    });

    it("publishes every status when asked to", async () => {
      const instancer = new RegistryWatchInstancer({
        registryUrl: `${server.url}/eureka`,
        service: "audit",
        filter: anyStatus,
      });
      closers.push(() => instancer.close());
      const registrar = new EurekaRegistrar({
        registryUrl: `${server.url}/eureka`,
        instance: { app: "audit", host: "127.0.0.1", port: 9002, instanceId: "a-1" },
        status: "STARTING",
      });
      closers.push(() => registrar.close());
      await registrar.register();
      const seen = await snapshotWhere(instancer, (s) => s.instances.length === 1);
      expect(seen.instances[0]?.status).toBe("STARTING");
    });
  });

  it("keeps its set while the registry is down and restarts, resets its index, and lets the grace run out", async () => {
    const registry = new RegistryProcess();
    await registry.start();
    const register = async (id: string) => {
      const r = new EurekaRegistrar({
        registryUrl: registry.eurekaUrl,
        instance: { app: "orders", host: "127.0.0.1", port: 9000, instanceId: id },
        renewIntervalMs: 3_600_000, // no heartbeat during this test: the restart must not be healed by one
      });
      await r.register();
    };
    const instancer = new RegistryWatchInstancer({
      registryUrl: registry.eurekaUrl,
      service: "orders",
      backoff: { initialMs: 20, maxMs: 200 },
      restartGraceMs: 1_500, // short for the test; in production one heartbeat
    });
    const published: Snapshot[] = [];
    try {
      for (const id of ["r-1", "r-2", "r-3"]) await register(id);
      await snapshotWhere(instancer, (s) => s.instances.length === 3);

      const errors: Error[] = [];
      const threeErrors = new Promise<void>((resolve) =>
        instancer.onError((e) => {
          errors.push(e);
          if (errors.length === 3) resolve();
        }),
      );
      instancer.onChange((s) => published.push(s));
      await registry.kill();
      await threeErrors;
      expect(ids(instancer.current())).toEqual(["r-1", "r-2", "r-3"]); // callers keep their set

      const reset = new Promise<{ from: number; to: number }>((resolve) => instancer.onReset(resolve));
      await registry.start(); // same port, empty registry: its index starts below ours
      await register("r-9");
      const { from, to } = await reset;
      expect(to).toBeLessThan(from);
      // During the grace, the instances known before the restart stay beside the one that is back ...
      const during = await snapshotWhere(instancer, (s) => ids(s).includes("r-9"));
      expect(ids(during)).toEqual(["r-1", "r-2", "r-3", "r-9"]);
      // ... and when it runs out, the registry's word stands: the others never came back.
      await snapshotWhere(instancer, (s) => s.instances.length === 1);
      expect(ids(instancer.current())).toEqual(["r-9"]);
      expect(published.every((s) => s.instances.length > 0)).toBe(true); // never an empty set on the way
    } finally {
      instancer.close();
      await registry.kill();
    }
  });
});
