import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import type { Instancer } from "./instancer.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { exited, spawnTs, waitForEvent } from "./testing/child-process.js";
import { RegistryProcess } from "./testing/registry-process.js";

/** How long the registry stays down: the scenario, long enough for several backoff rounds and renewals. */
const OUTAGE_MS = 30_000;

function withInstances(instancer: Instancer, count: number): Promise<void> {
  if (instancer.current().instances.length === count) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = instancer.onChange((s) => {
      if (s.instances.length !== count) return;
      sub.dispose();
      resolve();
    });
  });
}

// The registry is a real process that is killed; clients are in-process instancers or child processes.
describe("discovery through registry outages", () => {
  const registry = new RegistryProcess();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-outage-"));
    await registry.start();
  });
  afterAll(async () => {
    await registry.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps serving the last set for a 30 s outage, watch and delta mode alike, and callers never see an empty set", {
    timeout: OUTAGE_MS + 30_000,
  }, async () => {
    const registrar = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app: "ledger", host: "127.0.0.1", port: 9300, instanceId: "l-1" },
      renewIntervalMs: 1_000,
    });
    await registrar.register();
    const watch = new RegistryWatchInstancer({
      registryUrl: registry.eurekaUrl,
      service: "ledger",
      backoff: { initialMs: 100, maxMs: 2_000 },
    });
    const delta = new EurekaDeltaInstancer({ registryUrl: registry.eurekaUrl, service: "ledger", pollIntervalMs: 500 });
    const instancers = [watch, delta];
    const errors = [0, 0];
    for (const [n, instancer] of instancers.entries()) {
      instancer.onError(() => {
        errors[n] = (errors[n] ?? 0) + 1;
      });
    }
    try {
      await Promise.all(instancers.map((i) => withInstances(i, 1)));
      await registry.kill();

      // A caller picking an instance every 50 ms, as a balancer would on each request.
      let picks = 0;
      let empty = 0;
      const caller = setInterval(() => {
        for (const instancer of instancers) {
          picks += 1;
          if (instancer.current().instances.length === 0) empty += 1;
        }
      }, 50);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS)); // the outage itself, not a wait for an effect
      clearInterval(caller);

      expect(picks).toBeGreaterThan(100);
      expect(empty).toBe(0);
      expect(errors.every((n) => n > 0)).toBe(true); // failures were reported to operators, not to callers

      // Listen before the restart: a heartbeat landing as the registry comes up re-registers at once.
      const back = new Promise<void>((resolve) => registrar.onRegister(() => resolve()));
      await registry.start();
      await back;
      // The restarted registry is empty until the registrar is back; the instancers then follow it again.
      await Promise.all(instancers.map((i) => withInstances(i, 1)));
      expect(instancers.map((i) => i.current().instances.map((x) => x.id))).toEqual([["l-1"], ["l-1"]]);
    } finally {
      for (const instancer of instancers) instancer.close();
      await registrar.close();
    }
  });

  for (const mode of ["watch", "delta"] as const) {
    it(`a client restarted while the registry is down serves the fleet from its disk snapshot (${mode} mode)`, async () => {
      const registrars = ["c-1", "c-2"].map(
        (id) =>
          new EurekaRegistrar({
            registryUrl: registry.eurekaUrl,
            instance: { app: `cart-${mode}`, host: "127.0.0.1", port: 9400, instanceId: id },
          }),
      );
      await Promise.all(registrars.map((r) => r.register()));
      const client = () =>
        spawnTs(new URL("./testing/client-child.ts", import.meta.url), {
          REGISTRY_URL: registry.eurekaUrl,
          SERVICE: `cart-${mode}`,
          SNAPSHOT_FILE: join(dir, `cart-${mode}.json`),
          MODE: mode,
        });

      const first = client();
      expect(await waitForEvent(first, "started")).toMatchObject({ ids: [] }); // nothing on disk yet
      expect(await waitForEvent(first, "change")).toMatchObject({ ids: ["c-1", "c-2"] });
      first.kill("SIGKILL"); // a crash: nothing is flushed on the way out, only what was written on change
      await exited(first);
      await registry.kill();

      const second = client();
      try {
        expect(await waitForEvent(second, "started")).toMatchObject({ ids: ["c-1", "c-2"] });
        expect(await waitForEvent(second, "error")).toMatchObject({
          code: "DISCOVERY_REGISTRY_UNREACHABLE",
          ids: ["c-1", "c-2"],
        });
      } finally {
        second.kill("SIGKILL");
        await exited(second);
        await Promise.all(registrars.map((r) => r.close())); // the DELETE fails (registry down): reported, not thrown
        await registry.start();
      }
    });
  }
});
