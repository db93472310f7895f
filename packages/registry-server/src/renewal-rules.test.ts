import { describe, expect, it } from "vitest";
import type { InstanceInfo, InstanceStatus } from "./instance-info.js";
import type { Lease } from "./registry-types.js";
import { renewalOf } from "./renewal-rules.js";

/** A held lease with only what the renewal rule reads. */
function held(status: InstanceStatus, overriddenStatus: InstanceStatus, statusSetByServer = false): Lease {
  const info = { status, overriddenStatus, lastDirtyTimestamp: 1_000 } as InstanceInfo;
  return {
    info,
    durationMs: 90_000,
    registeredAt: 0,
    lastRenewedAt: 0,
    lastUpdatedAt: 0,
    actionType: "ADDED",
    statusSetByServer,
  };
}

describe("renewalOf (Eureka's renew and validateDirtyTimestamp)", () => {
  it("answers ok for the same or no dirty timestamp, storing nothing", () => {
    expect(renewalOf(held("UP", "UNKNOWN"), {})).toEqual({ kind: "ok" });
    expect(renewalOf(held("UP", "UNKNOWN"), { lastDirtyTimestamp: 1_000 })).toEqual({ kind: "ok" });
  });

  it("answers client-newer for a newer copy, taking a peer's override only then", () => {
    expect(renewalOf(held("UP", "UNKNOWN"), { lastDirtyTimestamp: 2_000, overriddenStatus: "OUT_OF_SERVICE" })).toEqual(
      {
        kind: "client-newer",
      },
    );
    expect(
      renewalOf(held("UP", "UNKNOWN"), {
        lastDirtyTimestamp: 2_000,
        overriddenStatus: "OUT_OF_SERVICE",
        origin: "replication",
      }),
    ).toEqual({ kind: "client-newer", overriddenStatus: "OUT_OF_SERVICE" });
  });

  it("answers an older copy with conflict from a peer and ok from a client, never taking its override", () => {
    const older = { lastDirtyTimestamp: 500, overriddenStatus: "OUT_OF_SERVICE" as const };
    expect(renewalOf(held("UP", "UNKNOWN"), { ...older, origin: "replication" })).toEqual({ kind: "conflict" });
    expect(renewalOf(held("UP", "UNKNOWN"), older)).toEqual({ kind: "ok" });
  });

  it("stores the status the override rule gives, and answers not-found when it resolves to UNKNOWN", () => {
    // An override held: the instance shows it (Eureka's OverrideExistsRule).
    expect(renewalOf(held("UP", "OUT_OF_SERVICE"), {})).toEqual({ kind: "ok", status: "OUT_OF_SERVICE" });
    // An override deleted without a value (status UNKNOWN, set on this server): the client must register again.
    expect(renewalOf(held("UNKNOWN", "UNKNOWN", true), {})).toEqual({ kind: "not-found" });
  });
});
