import { describe, expect, it } from "vitest";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const body = (id: string, extra: Record<string, unknown> = {}) => ({
  instance: {
    instanceId: id,
    app: "svc",
    hostName: "127.0.0.1",
    ipAddr: "127.0.0.1",
    dataCenterInfo: { name: "MyOwn" },
    ...extra,
  },
});

describe("Registry leases", () => {
  it("expires a lease at last renewal + its duration, not at twice the duration as Eureka does", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, defaultLeaseDurationMs: 90_000 });
    registry.register(parseRegistration(body("a"), "svc", clock.now()));
    clock.advance(60_000);
    expect(registry.renew("SVC", "a")).toBe(true);
    clock.advance(90_000);
    expect(registry.evictExpired()).toEqual([]);
    clock.advance(1);
    expect(registry.evictExpired().map((l) => l.info.instanceId)).toEqual(["a"]);
    expect(registry.application("svc")).toEqual([]);
  });

  it("takes the lease duration from the registration's leaseInfo", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    registry.register(parseRegistration(body("a", { leaseInfo: { durationInSecs: 5 } }), "svc", clock.now()));
    clock.advance(5_001);
    expect(registry.evictExpired()).toHaveLength(1);
  });

  it("answers false for renewing or cancelling an unknown instance, so the client re-registers", () => {
    const registry = new Registry();
    expect(registry.renew("SVC", "nope")).toBe(false);
    expect(registry.cancel("SVC", "nope")).toBe(false);
  });

  it("publishes every change with a version that only moves forward", () => {
    const registry = new Registry();
    const seen: string[] = [];
    registry.onChange((c) => seen.push(`${c.version}:${c.action}:${c.lease.info.instanceId}`));
    registry.register(parseRegistration(body("a"), "svc", 0));
    registry.register(parseRegistration(body("a"), "svc", 0));
    registry.cancel("svc", "a");
    expect(seen).toEqual(["1:ADDED:a", "2:MODIFIED:a", "3:DELETED:a"]);
  });
});
