import { describe, expect, it } from "vitest";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";

function setUp(options: { maxDeltaEntries?: number } = {}) {
  let now = 1_000_000;
  const registry = new Registry({ clock: { now: () => now }, deltaRetentionMs: 180_000, ...options });
  const instance = (id: string) =>
    parseRegistration(
      {
        instance: { instanceId: id, app: "svc", hostName: "h", ipAddr: "127.0.0.1", dataCenterInfo: { name: "MyOwn" } },
      },
      "svc",
      now,
    );
  const register = (id: string) => registry.register(instance(id));
  /** A peer's copy of `id` written at `stamp`, as replication applies it: what the registry answered. */
  const peerCopy = (id: string, stamp: number | undefined) =>
    registry.registerChecked(instance(id), "replication", stamp).kind;
  return { registry, register, peerCopy, advance: (ms: number) => (now += ms), now: () => now };
}

describe("recent cancels: a peer's copy written before a cancel does not bring the instance back", () => {
  it("a local cancel is stamped and kept; copies stamped at or before it are refused, later ones taken", () => {
    const { registry, register, peerCopy, advance, now } = setUp();
    const written = register("i").writtenAt as number;
    advance(10);
    expect(registry.cancel("svc", "i")).toBe(true);
    expect(peerCopy("i", written)).toBe("cancelled");
    expect(peerCopy("i", now())).toBe("cancelled");
    expect(registry.get("svc", "i")).toBeUndefined();
    expect(peerCopy("other", written)).toBe("ok");
    expect(peerCopy("i", now() + 1)).toBe("ok");
    expect(registry.get("svc", "i")?.writtenAt).toBe(now() + 1);
  });

  it("an unstamped copy (an Eureka peer's) is taken: the dirty-timestamp rule alone", () => {
    const { registry, register, peerCopy } = setUp();
    register("i");
    registry.cancel("svc", "i");
    expect(peerCopy("i", undefined)).toBe("ok");
  });

  it("a peer's cancel is kept with its own stamp; an eviction is not kept", () => {
    const { registry, register, peerCopy } = setUp();
    register("i");
    register("j");
    expect(registry.cancel("svc", "i", "replication", 1_000_500)).toBe(true);
    expect(peerCopy("i", 1_000_500)).toBe("cancelled");
    expect(peerCopy("i", 1_000_501)).toBe("ok");
    expect(registry.cancel("svc", "j", "eviction")).toBe(true);
    expect(peerCopy("j", 0)).toBe("ok");
  });

  it("a registration after the cancel forgets it; it is kept for the delta window and at most as many", () => {
    const { registry, register, peerCopy, advance } = setUp({ maxDeltaEntries: 2 });
    register("i");
    registry.cancel("svc", "i");
    register("i");
    expect(peerCopy("i", 0)).not.toBe("cancelled");
    for (const id of ["a", "b", "c"]) {
      register(id);
      registry.cancel("svc", id);
    }
    // Two kept: the oldest went first.
    expect(["a", "b", "c"].map((id) => peerCopy(id, 0))).toEqual(["ok", "cancelled", "cancelled"]);
    advance(180_001);
    expect(peerCopy("c", 0)).toBe("ok");
  });
});
