// Rules: Netflix/eureka eureka-core/.../registry/AbstractInstanceRegistry.java (`evict`: expired leases are
// cancelled by the server's own timer, `EvictionTask`) and PeerAwareInstanceRegistryImpl.java
// (`isLeaseExpirationEnabled`: leases expire only while self-preservation is off or the renews of the last minute
// are strictly above `numberOfRenewsPerMinThreshold`; MeasuredRate counts whole minutes, so nothing is judged before
// one minute is measured). The fake-clock tests (evictor.test.ts, self-preservation.test.ts) check the arithmetic;
// this one runs the real process with short leases set through the environment, driven by the server's own timers.
import { describe, expect, it } from "vitest";
import { type RegistryProcess, spawnRegistry } from "../e2e/spawn-registry.js";
import { eurekaCalls } from "./eureka-fixture.js";

/** Guard against a hang only: the server's one-minute measurement plus its 1 s eviction runs end long before. */
const GUARD_MS = 100_000;

interface Status {
  selfPreservation: { active: boolean; reason: string; threshold: number; renewsLastMinute: number };
  eviction: { total: number; runs: number; lastRun?: { evicted: string[]; skipped?: string } };
}

async function status(p: RegistryProcess): Promise<Status> {
  const res = await fetch(`${p.url}/eureka/status`, { headers: { accept: "application/json" } });
  return (await res.json()) as Status;
}

/** Polls the server's status until `done` holds (its own timers drive the change), within the guard. */
async function statusUntil(p: RegistryProcess, done: (s: Status) => boolean): Promise<Status> {
  const deadline = Date.now() + GUARD_MS;
  for (;;) {
    const s = await status(p);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched: ${JSON.stringify(s)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Instance ids of one app, read through the watch (answers at once with index -1). */
async function instanceIds(p: RegistryProcess, app: string): Promise<string[]> {
  const res = await fetch(`${p.url}/outrigger/watch/apps/${app}?index=-1`);
  const body = (await res.json()) as { application: { instance: { instanceId: string }[] } };
  return body.application.instance.map((i) => i.instanceId).sort();
}

describe("conformance: eviction and self-preservation in a real registry process (short leases from the env)", () => {
  it("keeps expired leases while self-preservation warms up, then evicts them once renews are above the threshold", {
    timeout: 120_000,
  }, async () => {
    const registry = await spawnRegistry(["--port", "0"], {
      OUTRIGGER_REGISTRY_LEASE_DURATION: "2",
      OUTRIGGER_REGISTRY_EVICTION_INTERVAL: "1",
    });
    try {
      const calls = eurekaCalls(registry.url, "EVICTED");
      expect(await calls.register("idle")).toBe(204);
      expect(await calls.register("alive")).toBe(204);
      // A real client's heartbeat for "alive" only; "idle" is never renewed past its 2 s lease.
      let renewing = true;
      const heartbeats = (async () => {
        while (renewing) {
          await calls.renew("alive");
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
      })();
      try {
        // 1. Past idle's lease end (2 s), eviction runs but self-preservation holds: less than a minute measured.
        const expiredAt = Date.now() + 2_000;
        const first = await statusUntil(registry, (s) => s.eviction.runs >= 1 && Date.now() > expiredAt + 1_000);
        const held = await statusUntil(registry, (s) => s.eviction.runs > first.eviction.runs);
        expect(held.eviction.total).toBe(0);
        expect(held.eviction.lastRun?.skipped).toMatch(/^warming up/);
        // 2 instances × 60 / 30 s = 4 renews expected a minute; the threshold is floor(4 × 0.85) = 3.
        expect(held.selfPreservation.threshold).toBe(3);
        expect(await instanceIds(registry, "EVICTED")).toEqual(["alive", "idle"]);

        // 2. After the first whole minute "alive" has renewed far more than 3 times, so renews > threshold: leases
        // expire and the next run evicts idle (the status read after it counts one instance, threshold 1).
        const evicted = await statusUntil(registry, (s) => s.eviction.total >= 1);
        expect(evicted.selfPreservation.active).toBe(false);
        expect(evicted.selfPreservation.renewsLastMinute).toBeGreaterThan(evicted.selfPreservation.threshold);
        expect(evicted.eviction.total).toBe(1);
        expect(await instanceIds(registry, "EVICTED")).toEqual(["alive"]);
      } finally {
        renewing = false;
        await heartbeats;
      }
    } finally {
      await registry.stop();
    }
  });
});
