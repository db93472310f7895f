// Rule: hashicorp/consul agent/consul/rpc.go blockingQuery (hold while the cluster's index is at or below the
// client's). The registry side, with consul.watch, is packages/registry-server/src/conformance/peers-one-index.test.ts;
// this is the SDK's RegistryWatchInstancer against the same set-up, reusing that test's fixtures.
import { afterAll, describe, expect, it } from "vitest";
import { roundRobinProxy } from "../../registry-server/src/conformance/haproxy-fixture.js";
import { freePort, type RegistryProcess, spawnRegistry } from "../../registry-server/src/e2e/spawn-registry.js";
import { watchUntil } from "../../registry-server/src/e2e/watch-until.js";
import { anyStatus } from "./filters.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { snapshotWhere } from "./testing/snapshots.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function put(url: string): Promise<void> {
  const res = await fetch(url, { method: "PUT" });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

/** Far beyond a change's trip through HAProxy and a 2 s hold on a loaded machine; bounds a stall only. */
const STEP_GUARD_MS = 20_000;

/** `promise`, or a rejection with `describe()` once `ms` pass first. */
function guarded<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

describe("RegistryWatchInstancer behind a round-robin HAProxy over two peer registries", () => {
  // A guard only (two registry processes and HAProxy start first): every wait inside is on an event.
  it("makes about one held request per change and never resets its index", { timeout: 90_000 }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const start = async (self: number, other: number): Promise<RegistryProcess> => {
      const p = await spawnRegistry(["--port", String(self), "--peer", `http://127.0.0.1:${other}/eureka`]);
      cleanups.push(() => p.stop());
      return p;
    };
    const a = await start(pa, pb);
    // Register and change status on A before B starts: B copies A's registry at start, with fewer changes of its own.
    const register = await fetch(`${a.url}/eureka/apps/SDKIDX`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        instance: {
          instanceId: "s-1",
          hostName: "127.0.0.1",
          app: "SDKIDX",
          ipAddr: "127.0.0.1",
          status: "UP",
          port: { $: 9400, "@enabled": "true" },
          dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
        },
      }),
    });
    expect(register.status).toBe(204);
    for (const value of ["DOWN", "UP", "DOWN", "UP"])
      await put(`${a.url}/eureka/apps/SDKIDX/s-1/status?value=${value}`);
    const b = await start(pb, pa);
    const proxy = await roundRobinProxy([`127.0.0.1:${pa}`, `127.0.0.1:${pb}`]);
    cleanups.push(() => proxy.stop());

    const instancer = new RegistryWatchInstancer({
      registryUrl: `${proxy.url}/eureka`,
      service: "sdkidx",
      filter: anyStatus,
      waitMs: 2_000,
    });
    cleanups.push(async () => instancer.close());
    let resets = 0;
    instancer.onReset(() => {
      resets += 1;
    });
    // Each wait below ends on an event; the guard only makes a stall say where it was, what the watch saw last
    // and which errors it met, instead of the test's bare timeout (one such stall was seen, not reproduced since).
    const errors: string[] = [];
    instancer.onError((error) => errors.push((error as { code?: string }).code ?? error.message));
    const until = (value: string, step: string) =>
      guarded(
        snapshotWhere(instancer, (s) => s.instances[0]?.status === value),
        STEP_GUARD_MS,
        () =>
          `${step}: waiting for ${value}, the watch last saw ${instancer.current().instances[0]?.status}; errors: ${errors.join(", ") || "none"}`,
      );
    await until("UP", "first answer");
    const before = await proxy.requests();
    const started = Date.now();
    const CHANGES = 6;
    for (let i = 0; i < CHANGES; i += 1) {
      const value = i % 2 === 0 ? "OUT_OF_SERVICE" : "UP";
      await put(`${[a, b][i % 2]?.url}/eureka/apps/SDKIDX/s-1/status?value=${value}`);
      // Both peers hold the change before the next is made on the other, so no two writes cross: crossing ones are
      // ordered by their write stamps, and two stamped in the same millisecond by content, not by the test's order
      // (registry-server write-order.ts, peers-concurrent-writes.test.ts). Before that rule a crossing undid the
      // later write (2 stalls in 20 runs beside a CPU burner).
      for (const peer of [a, b]) await watchUntil(peer.url, "SDKIDX", (list) => list[0]?.status === value);
      await until(value, `change ${i} (on ${i % 2 === 0 ? "A" : "B"})`);
    }
    // A quiet spell: the measurement window, in which a bouncing client must be held.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const elapsedS = (Date.now() - started) / 1000;
    const requests = (await proxy.requests()) - before;
    expect(requests).toBeLessThanOrEqual(CHANGES * 2 + Math.ceil(elapsedS / 2) + 2);
    expect(resets).toBe(0);
  });
});
