import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDiscoveryError } from "./errors.js";
import { type DeltaSync, EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import { appsHashCode, parseApplications } from "./eureka-wire.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";
import { RegistryProcess } from "./testing/registry-process.js";

const ids = (s: Snapshot) => s.instances.map((i) => i.id);

function nextSync(instancer: EurekaDeltaInstancer, test: (s: DeltaSync) => boolean): Promise<DeltaSync> {
  return new Promise((resolve) => {
    const sub = instancer.onSync((s) => {
      if (!test(s)) return;
      sub.dispose();
      resolve(s);
    });
  });
}

describe("Eureka delta wire format", () => {
  it("reads actionTypes and the hash code, and computes Eureka's hash code", () => {
    const parsed = parseApplications({
      applications: {
        apps__hashcode: "UP_1_",
        application: { name: "ORDERS", instance: { hostName: "h", port: 1, status: "UP", actionType: "ADDED" } },
      },
    });
    expect(parsed.hashcode).toBe("UP_1_");
    expect(parsed.entries.map((e) => [e.app, e.action])).toEqual([["ORDERS", "ADDED"]]);
    const of = (status: ServiceInstance["status"]) => ({ status }) as ServiceInstance;
    expect(appsHashCode([of("UP"), of("DOWN"), of("UP"), of("STARTING")])).toBe("DOWN_1_STARTING_1_UP_2_");
    expect(() => parseApplications({})).toThrow(/applications object/);
  });
});

// Delta-poll mode uses only the stock Eureka API: the registry's watch is never called.
describe("EurekaDeltaInstancer against a real registry process (watch not used)", () => {
  const registry = new RegistryProcess();
  beforeAll(() => registry.start());
  afterAll(() => registry.kill());

  const register = async (app: string, id: string) => {
    const r = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app, host: "127.0.0.1", port: 9000, instanceId: id },
      renewIntervalMs: 3_600_000, // no heartbeat: a restarted registry must be reconciled by the hash code alone
    });
    await r.register();
    return r;
  };

  it("follows deltas, keeps serving while the registry is down, and refetches everything on a hash mismatch", async () => {
    await register("orders", "x-1");
    await register("orders", "x-2");
    await register("other", "y-1"); // another app: it counts in the hash code, not in our snapshot
    const instancer = new EurekaDeltaInstancer({
      registryUrl: registry.eurekaUrl,
      service: "orders",
      pollIntervalMs: 50,
    });
    try {
      const syncs: DeltaSync[] = [];
      instancer.onSync((s) => syncs.push(s));
      await nextSync(instancer, (s) => s.kind === "full");
      expect(ids(instancer.current())).toEqual(["x-1", "x-2"]);

      const x3 = await register("orders", "x-3");
      await nextSync(instancer, () => ids(instancer.current()).includes("x-3"));
      await x3.close(); // a DELETED delta
      await nextSync(instancer, () => !ids(instancer.current()).includes("x-3"));
      expect(syncs.filter((s) => s.kind === "full")).toHaveLength(1); // the deltas alone kept us in sync

      const failed = new Promise<Error>((resolve) => instancer.onError(resolve));
      await registry.kill();
      expect(isDiscoveryError(await failed)).toBe(true);
      expect(ids(instancer.current())).toEqual(["x-1", "x-2"]);

      // Listen before the restart: the refetch can come on any poll after it, even before x-9 is registered (on a
      // loaded machine a poll every 50 ms falls inside the registration; a listener added after it waited forever).
      const refetched = nextSync(instancer, (s) => s.kind === "full");
      await registry.start(); // empty: the hash code shows the rest is gone
      await register("orders", "x-9");
      const full = await refetched;
      expect(full.reason).toBe("hashcode-mismatch");
      // x-9 came in the refetch or, registered after it, in a delta.
      await nextSync(instancer, () => ids(instancer.current()).includes("x-9"));
      expect(ids(instancer.current())).toEqual(["x-9"]);
    } finally {
      instancer.close();
    }
  });
});
