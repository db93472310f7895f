import { describe, expect, it } from "vitest";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";

function setUp(options: { maxDeltaEntries?: number } = {}) {
  let now = 1_000_000;
  const registry = new Registry({ clock: { now: () => now }, deltaRetentionMs: 180_000, ...options });
  const register = (id: string) =>
    registry.register(
      parseRegistration(
        { instance: { instanceId: id, hostName: "h", ipAddr: "127.0.0.1", dataCenterInfo: { name: "MyOwn" } } },
        "svc",
        now,
      ),
    );
  return { registry, register, advance: (ms: number) => (now += ms), now: () => now };
}

describe("recent cancels: a peer's copy written before a cancel does not bring the instance back", () => {
  it("a local cancel is stamped and kept; copies stamped at or before it are refused, later ones taken", () => {
    const { registry, register, advance, now } = setUp();
    const written = register("i").writtenAt as number;
    advance(10);
    expect(registry.cancel("svc", "i")).toBe(true);
    expect(registry.cancelledAfter("SVC", "i", written)).toBe(true);
    expect(registry.cancelledAfter("svc", "i", now())).toBe(true);
    expect(registry.cancelledAfter("svc", "i", now() + 1)).toBe(false);
    expect(registry.cancelledAfter("svc", "i", undefined)).toBe(false);
    expect(registry.cancelledAfter("svc", "other", written)).toBe(false);
  });

  it("a peer's cancel is kept with its own stamp; an eviction is not kept", () => {
    const { registry, register } = setUp();
    register("i");
    register("j");
    expect(registry.cancel("svc", "i", "replication", 1_000_500)).toBe(true);
    expect(registry.cancelledAfter("svc", "i", 1_000_500)).toBe(true);
    expect(registry.cancelledAfter("svc", "i", 1_000_501)).toBe(false);
    expect(registry.cancel("svc", "j", "eviction")).toBe(true);
    expect(registry.cancelledAfter("svc", "j", 0)).toBe(false);
  });

  it("a registration after the cancel forgets it; it is kept for the delta window and at most as many", () => {
    const { registry, register, advance } = setUp({ maxDeltaEntries: 2 });
    register("i");
    registry.cancel("svc", "i");
    register("i");
    expect(registry.cancelledAfter("svc", "i", 0)).toBe(false);
    for (const id of ["a", "b", "c"]) {
      register(id);
      registry.cancel("svc", id);
    }
    // Two kept: the oldest went first.
    expect(["a", "b", "c"].map((id) => registry.cancelledAfter("svc", id, 0))).toEqual([false, true, true]);
    advance(180_001);
    expect(registry.cancelledAfter("svc", "c", 0)).toBe(false);
  });
});
