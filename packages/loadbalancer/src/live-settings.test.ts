import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { isLbError } from "./errors.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

const failure = { kind: "failure", reason: "status", status: 503, rttMs: 40 } as const;
const success = { kind: "success", status: 200, rttMs: 10 } as const;

/** Two instances, i0 failing; i0 ejected after two failures; one request left in flight on i1. */
function ejectedFleet() {
  let now = 0;
  const balancer = createBalancer({
    instancer: new FixedInstancer([instance("i0"), instance("i1")]),
    rule: new RoundRobinRule({ random: () => 0 }),
    outlierDetection: { consecutive5xx: 2, baseEjectionTimeMs: 60_000 },
    clock: { now: () => now },
  });
  for (let i = 0; i < 4; i++) {
    const pick = balancer.pick();
    pick.done(pick.instance.id === "i0" ? failure : success);
  }
  const open = balancer.pick(); // in flight on i1 across the change
  return { balancer, open, advance: (ms: number) => (now += ms) };
}

// A live config change of outlier detection or health checks (og's per-service policy) used to build a new
// balancer; these settings now apply to the balancer in force.
describe("outlier detection and health checks changed on a live balancer", () => {
  it("setOutlierDetection: an ejected instance stays ejected, stats and requests in flight stay, new settings rule", () => {
    const { balancer, open, advance } = ejectedFleet();
    expect(open.instance.id).toBe("i1");
    const before = { i0: balancer.stats("i0"), i1: balancer.stats("i1") };
    expect(before.i0).toMatchObject({ ejected: true, ejections: 1 });

    balancer.setOutlierDetection({ consecutive5xx: 5, baseEjectionTimeMs: 10_000 });
    expect(balancer.stats("i0")).toEqual(before.i0);
    expect(balancer.stats("i1")).toEqual(before.i1);
    expect(balancer.stats("i1")?.active).toBe(1);
    for (let i = 0; i < 4; i++) expect(balancer.pick().instance.id).toBe("i1");
    open.done(success);
    // The ejection decided under the old settings ends when it was due (60 s), not by the new base time.
    advance(59_999);
    expect(balancer.stats("i0")?.ejected).toBe(true);
    advance(1);
    expect(balancer.stats("i0")?.ejected).toBe(false);
  });

  it("setOutlierDetection(false) stops ejecting; turning it on again starts with a fresh detector", () => {
    const { balancer, open } = ejectedFleet();
    open.done(success);
    balancer.setOutlierDetection(false);
    const seen = new Set(Array.from({ length: 4 }, () => balancer.pick().instance.id));
    expect(seen).toEqual(new Set(["i0", "i1"]));
    balancer.setOutlierDetection(true);
    expect(balancer.stats("i0")).toMatchObject({ ejected: false, ejections: 0 });
  });

  it("a bad setting throws LB_INVALID_OPTION and changes nothing", () => {
    const { balancer } = ejectedFleet();
    const error = (() => {
      try {
        balancer.setOutlierDetection({ maxEjectionPercent: 101 });
      } catch (e) {
        return e;
      }
    })();
    expect(isLbError(error) && error.code).toBe("LB_INVALID_OPTION");
    expect(balancer.stats("i0")?.ejected).toBe(true);
    expect(() => balancer.setHealthCheck({ path: "health" })).toThrow(/healthCheck.path must start with "\/"/);
    expect(balancer.healthChecker).toBeUndefined();
  });

  it("setHealthCheck turns active checks on and off; stats and ejections stay", () => {
    const { balancer, open } = ejectedFleet();
    const stats = balancer.stats("i1");
    // A probe that never settles: only the checker's presence matters here.
    balancer.setHealthCheck({ path: "/health", intervalMs: 60_000, probe: () => new Promise(() => {}) });
    const checker = balancer.healthChecker;
    expect(checker?.settings.intervalMs).toBe(60_000);
    expect(balancer.stats("i1")).toEqual(stats);
    expect(balancer.stats("i0")?.ejected).toBe(true);
    balancer.setHealthCheck(false);
    expect(balancer.healthChecker).toBeUndefined();
    open.done(success);
    balancer.close();
  });
});
