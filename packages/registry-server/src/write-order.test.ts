import { describe, expect, it } from "vitest";
import { type InstanceInfo, parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";

function setUp() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const registry = new Registry({ clock });
  const dirty = now - 5_000;
  const info = parseRegistration(
    {
      instance: { instanceId: "i", app: "svc", hostName: "h", ipAddr: "127.0.0.1", dataCenterInfo: { name: "MyOwn" } },
    },
    "svc",
    dirty,
  );
  registry.register({ ...info, lastDirtyTimestamp: dirty });
  /** A peer's copy as a replicated Register carries it: our dirty timestamp, its status. */
  const peerCopy = (status: InstanceInfo["status"]): InstanceInfo => ({
    ...info,
    lastDirtyTimestamp: dirty,
    status,
    overriddenStatus: status,
  });
  return { registry, peerCopy, setNow: (ms: number) => (now = ms), get: () => registry.get("SVC", "i") };
}

describe("copies with the same dirty timestamp are ordered by their write stamp (two peers converge)", () => {
  it("a local write is stamped with the clock; a peer's copy written before it is refused, a later one applied", () => {
    const { registry, peerCopy, setNow, get } = setUp();
    setNow(2_000_000);
    registry.setStatusOverride("svc", "i", "OUT_OF_SERVICE");
    expect(get()?.writtenAt).toBe(2_000_000);
    const older = registry.registerChecked(peerCopy("UP"), "replication", 1_999_999);
    expect(older.kind).toBe("conflict");
    expect(get()?.info.status).toBe("OUT_OF_SERVICE");
    const newer = registry.registerChecked(peerCopy("DOWN"), "replication", 2_000_001);
    expect(newer.kind).toBe("ok");
    expect(get()?.info.status).toBe("DOWN");
    expect(get()?.writtenAt).toBe(2_000_001);
  });

  it("a write after a peer's stamps above it even when this server's clock is behind (causal order)", () => {
    const { registry, peerCopy, setNow, get } = setUp();
    // A peer whose clock is 50 minutes ahead of ours (within the hour a stamp may be ahead).
    registry.registerChecked(peerCopy("DOWN"), "replication", 4_000_000);
    setNow(1_000_500);
    registry.setStatusOverride("svc", "i", "UP");
    expect(get()?.writtenAt).toBe(4_000_001);
    // So the peer, whose copy is stamped 4 000 000, takes this one rather than refusing it.
    expect(registry.registerChecked(peerCopy("DOWN"), "replication", 4_000_000).kind).toBe("conflict");
    // Any write after, on any instance, orders after what was seen: the clock is the registry's, not the lease's.
    registry.register({ ...peerCopy("UP"), instanceId: "j" });
    expect(registry.get("SVC", "j")?.writtenAt).toBe(4_000_002);
  });

  it("equal stamps fall to the status: both peers keep the same copy whichever arrives where", () => {
    const a = setUp();
    const b = setUp();
    a.setNow(3_000_000);
    b.setNow(3_000_000);
    a.registry.setStatusOverride("svc", "i", "OUT_OF_SERVICE");
    b.registry.setStatusOverride("svc", "i", "DOWN");
    // Each receives the other's copy, stamped the same millisecond.
    const atA = a.registry.registerChecked(b.peerCopy("DOWN"), "replication", 3_000_000);
    const atB = b.registry.registerChecked(a.peerCopy("OUT_OF_SERVICE"), "replication", 3_000_000);
    expect([atA.kind, atB.kind].sort()).toEqual(["conflict", "ok"]);
    expect(a.get()?.info.status).toBe(b.get()?.info.status);
  });

  it("equal stamps with different metadata: both peers keep one copy (the whole content decides)", () => {
    const a = setUp();
    const b = setUp();
    a.setNow(3_000_000);
    b.setNow(3_000_000);
    const zone = (z: string) => (info: InstanceInfo) => ({ ...info, metadata: { ...info.metadata, zone: z } });
    a.registry.update("svc", "i", zone("a"));
    b.registry.update("svc", "i", zone("b"));
    // Each peer's copy as it left, before the other's arrived.
    const [fromA, fromB] = [a.get(), b.get()];
    const atA = a.registry.registerChecked(fromB?.info as InstanceInfo, "replication", fromB?.writtenAt);
    const atB = b.registry.registerChecked(fromA?.info as InstanceInfo, "replication", fromA?.writtenAt);
    expect([atA.kind, atB.kind].sort()).toEqual(["conflict", "ok"]);
    expect(a.get()?.info.metadata.zone).toBe(b.get()?.info.metadata.zone);
  });

  it("a stamp more than an hour ahead, or not a whole number, is refused before anything changes", () => {
    const { registry, peerCopy, get } = setUp();
    for (const stamp of [Number.MAX_SAFE_INTEGER, 1_000_000 + 3_600_001, -1, 1.5, Number.NaN]) {
      expect(() => registry.registerChecked(peerCopy("DOWN"), "replication", stamp)).toThrow(
        expect.objectContaining({ code: "REGISTRY_INVALID_FIELD", message: expect.stringContaining("clock") }),
      );
    }
    expect(get()?.info.status).toBe("UP");
    expect(registry.writeClock.last).toBe(1_000_000);
    expect(registry.registerChecked(peerCopy("DOWN"), "replication", 1_000_000 + 3_600_000).kind).toBe("ok");
  });

  it("a copy without a stamp (an Eureka peer's, a start-up copy) is ordered by the dirty timestamp alone", () => {
    const { registry, peerCopy, setNow, get } = setUp();
    setNow(2_000_000);
    registry.setStatusOverride("svc", "i", "OUT_OF_SERVICE");
    expect(registry.registerChecked(peerCopy("UP"), "replication").kind).toBe("ok");
    expect(get()?.info.status).toBe("UP");
    expect(get()?.writtenAt).toBeUndefined();
  });
});
