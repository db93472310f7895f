import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { Evictor } from "./evictor.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { SelfPreservation } from "./self-preservation.js";
import { fakeClock, registration } from "./test-fixtures.js";

function fill(registry: Registry, app: string, count: number, now: number): void {
  for (let i = 0; i < count; i += 1)
    registry.register(parseRegistration(registration(`${app}-${i}`, { app }), app, now));
}

describe("Evictor", () => {
  it("caps one run at 15% of the registry, as Eureka does, and leaves the rest for later runs", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    fill(registry, "svc", 20, clock.now());
    clock.advance(1001);
    const evictor = new Evictor(registry, { random: () => 0 });
    const first = evictor.run();
    // 20 - floor(20 × 0.85) = 3.
    expect(first.evicted).toHaveLength(3);
    expect(first.deferred).toBe(17);
    expect(registry.size).toBe(17);
    // Each run recomputes the cap from the smaller registry: 17 - floor(17 × 0.85) = 3.
    expect(evictor.run().evicted).toHaveLength(3);
    expect(evictor.total).toBe(6);
  });

  it("evicts in random order, so one application is not emptied first", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    fill(registry, "aaa", 10, clock.now());
    fill(registry, "zzz", 10, clock.now());
    clock.advance(1001);
    const sequence = [0.99, 0.01, 0.5, 0.2, 0.8];
    let n = 0;
    const evicted = new Evictor(registry, { random: () => sequence[n++ % sequence.length] as number }).run().evicted;
    const inOrder = new Evictor(new Registry(), {}).run();
    expect(inOrder.evicted).toEqual([]);
    expect(evicted).toHaveLength(3);
    // Registry order would be aaa-0, aaa-1, aaa-2; the shuffle picks others.
    expect(evicted.map((l) => l.info.instanceId)).not.toEqual(["aaa-0", "aaa-1", "aaa-2"]);
  });

  it("does not evict a lease before last renewal + duration", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    fill(registry, "svc", 10, clock.now());
    clock.advance(1000);
    expect(new Evictor(registry).run().evicted).toEqual([]);
  });

  it("keeps every instance of a service whose live share is below the protection threshold", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    fill(registry, "gone", 4, clock.now());
    fill(registry, "fine", 16, clock.now());
    clock.advance(1001);
    for (let i = 0; i < 15; i += 1) registry.renew("FINE", `fine-${i}`);
    const report = new Evictor(registry, { protectionThreshold: 0.5, renewalPercentThreshold: 0 }).run();
    // GONE lost all 4 (0% live < 50%): protected. FINE has 15/16 live: its dead one goes.
    expect(report.protectedApps).toEqual(["GONE"]);
    expect(report.evicted.map((l) => l.info.instanceId)).toEqual(["fine-15"]);
  });

  it("evicts nothing while self-preservation is active, and says why", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    const selfPreservation = new SelfPreservation(registry);
    fill(registry, "svc", 10, clock.now());
    clock.advance(120_000);
    const report = new Evictor(registry, { selfPreservation }).run();
    expect(report.evicted).toEqual([]);
    expect(report.skipped).toMatch(
      /renews in the last minute \(0\) are not above the threshold \(17 = 85% of 20 expected\)/,
    );
  });
});

describe("SelfPreservation", () => {
  it("computes Eureka's threshold from the server's expected interval and the count, not a client's claim", () => {
    // Eureka's AbstractInstanceRegistry.updateRenewsPerMinThreshold: count × (60 / expectedClientRenewalIntervalSeconds).
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const sp = new SelfPreservation(registry);
    fill(registry, "svc", 3, clock.now());
    registry.register(
      parseRegistration(registration("fast", { app: "svc", leaseInfo: { renewalIntervalInSecs: 1 } }), "svc", 0),
    );
    // 4 × 2 = 8 expected per minute (the client claiming 60 renews a minute changes nothing); floor(8 × 0.85) = 6.
    expect(sp.state()).toMatchObject({ expectedRenewsPerMinute: 8, threshold: 6 });
    const every10s = new SelfPreservation(registry, { expectedClientRenewalIntervalSecs: 10 });
    expect(every10s.state()).toMatchObject({ expectedRenewsPerMinute: 24, threshold: 20 });
  });

  it("keeps leases when renews equal the threshold (Eureka's isLeaseExpirationEnabled: renews > threshold)", () => {
    // Eureka's PeerAwareInstanceRegistryImpl.isLeaseExpirationEnabled: threshold > 0 && renewsLastMin > threshold.
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    const sp = new SelfPreservation(registry);
    fill(registry, "svc", 10, clock.now());
    for (let i = 0; i < 17; i += 1) registry.renew("SVC", `svc-${i % 10}`);
    clock.advance(60_000);
    expect(sp.state()).toMatchObject({ active: true, renewsLastMinute: 17, threshold: 17 });
    expect(new Evictor(registry, { selfPreservation: sp }).run().evicted).toEqual([]);
  });

  it("is on while warming up, off once renews meet the threshold, on again when they fall below", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const sp = new SelfPreservation(registry);
    fill(registry, "svc", 10, clock.now());
    expect(sp.state()).toMatchObject({ active: true, reason: expect.stringMatching(/warming up/) });
    for (let i = 0; i < 20; i += 1) registry.renew("SVC", `svc-${i % 10}`);
    clock.advance(60_000);
    expect(sp.state()).toMatchObject({ active: false, renewsLastMinute: 20, threshold: 17 });
    for (let i = 0; i < 5; i += 1) registry.renew("SVC", `svc-${i}`);
    clock.advance(60_000);
    const state = sp.state();
    expect(state).toMatchObject({ active: true, renewsLastMinute: 5 });
    expect(state.reason).toMatch(/network partition/);
  });

  it("never activates when switched off", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    const sp = new SelfPreservation(registry, { enabled: false });
    fill(registry, "svc", 10, clock.now());
    clock.advance(120_000);
    expect(sp.state()).toMatchObject({ enabled: false, active: false });
    expect(new Evictor(registry, { selfPreservation: sp, renewalPercentThreshold: 0 }).run().evicted).toHaveLength(10);
  });
});

describe("eviction on /eureka/status", () => {
  it("shows the last run, with the services kept by the protection threshold", async () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 1000 });
    const evictor = new Evictor(registry, { protectionThreshold: 0.5 });
    fill(registry, "gone", 2, clock.now());
    clock.advance(1001);
    evictor.run();
    const status = (
      await buildApp({ registry, evictor }).inject({ url: "/eureka/status", headers: { accept: "application/json" } })
    ).json();
    expect(status.eviction).toEqual({
      total: 0,
      runs: 1,
      protectionThreshold: 0.5,
      lastRun: { evicted: [], deferred: 0, protectedApps: ["GONE"] },
    });
  });
});
