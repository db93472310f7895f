import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { LeaseExpiry } from "./lease-expiry.js";

const register = (registry: Registry, app: string, id: string, leaseSecs: number) =>
  registry.register(
    parseRegistration(
      {
        instance: {
          instanceId: id,
          app,
          hostName: "h",
          ipAddr: "10.0.0.1",
          dataCenterInfo: { name: "MyOwn" },
          leaseInfo: { durationInSecs: leaseSecs },
        },
      },
      app,
      0,
    ),
  );

describe("LeaseExpiry (fake clock)", () => {
  let registry: Registry;
  let expiry: LeaseExpiry;
  let wakes: number;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    registry = new Registry();
    expiry = new LeaseExpiry(registry);
    wakes = 0;
    expiry.onChange(() => (wakes += 1));
  });
  afterEach(() => {
    expiry.close();
    vi.useRealTimers();
  });

  it("moves a service's epoch the moment its lease passes its end, not a millisecond before, and once", async () => {
    register(registry, "WEB", "a", 2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect([expiry.epoch("web"), wakes]).toEqual([0, 0]); // at its end, not past it (Registry.isExpired)
    await vi.advanceTimersByTimeAsync(1);
    expect([expiry.epoch("web"), expiry.total, wakes]).toEqual([1, 1, 1]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([expiry.epoch("web"), wakes]).toEqual([1, 1]);
    expect(registry.get("WEB", "a")).toBeDefined(); // nothing is evicted: only the index moves
  });

  it("moves it again when an expired lease is renewed, and follows renewals that push the end out", async () => {
    register(registry, "WEB", "a", 2);
    register(registry, "API", "b", 5);
    await vi.advanceTimersByTimeAsync(1_500);
    registry.renew("WEB", "a"); // now ends at 3.5 s
    await vi.advanceTimersByTimeAsync(2_001);
    expect([expiry.epoch("web"), expiry.epoch("api")]).toEqual([1, 0]);
    registry.renew("WEB", "a");
    expect([expiry.epoch("web"), wakes]).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(1_500);
    expect([expiry.epoch("api"), expiry.total]).toEqual([1, 3]);
  });

  it("forgets a lease that is cancelled or registered again, and stops with close()", async () => {
    register(registry, "WEB", "a", 1);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(expiry.epoch("web")).toBe(1);
    registry.cancel("WEB", "a");
    register(registry, "WEB", "a", 1);
    expect(expiry.epoch("web")).toBe(1); // the registration moves the registry's own index instead
    expiry.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(expiry.epoch("web")).toBe(1);
  });
});
