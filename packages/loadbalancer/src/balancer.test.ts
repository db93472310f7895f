import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { isLbError } from "./errors.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

describe("createBalancer", () => {
  const rule = () => new RoundRobinRule({ random: () => 0 });

  it("picks only UP instances", () => {
    const instancer = new FixedInstancer([instance("a", "DOWN"), instance("b"), instance("c", "OUT_OF_SERVICE")]);
    const balancer = createBalancer({ instancer, rule: rule() });
    expect([1, 2, 3].map(() => balancer.pick().instance.id)).toEqual(["b", "b", "b"]);
  });

  it("avoids instances a retry already tried, unless nothing else is left", () => {
    const balancer = createBalancer({ instancer: new FixedInstancer([instance("a"), instance("b")]), rule: rule() });
    expect(balancer.pick({ avoid: new Set(["a"]) }).instance.id).toBe("b");
    expect(balancer.pick({ avoid: new Set(["b"]) }).instance.id).toBe("a");
    expect(["a", "b"]).toContain(balancer.pick({ avoid: new Set(["a", "b"]) }).instance.id);
  });

  it("follows the instancer's snapshots", () => {
    const instancer = new FixedInstancer([instance("a")]);
    const balancer = createBalancer({ instancer, rule: rule() });
    instancer.set([instance("z")]);
    expect(balancer.pick().instance.id).toBe("z");
  });

  it("throws LB_NO_INSTANCES when nothing is UP", () => {
    const balancer = createBalancer({ instancer: new FixedInstancer([instance("a", "DOWN")]) });
    let caught: unknown;
    try {
      balancer.pick();
    } catch (error) {
      caught = error;
    }
    expect(isLbError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe("LB_NO_INSTANCES");
  });
});

describe("createBalancer's stats", () => {
  it("counts requests in flight and keeps stats across snapshots; stamps late joiners for slow start", () => {
    let now = 0;
    const instancer = new FixedInstancer([instance("a")]);
    const balancer = createBalancer({ instancer, clock: { now: () => now } });
    const pick = balancer.pick();
    expect(balancer.stats("a")?.active).toBe(1);
    pick.done({ kind: "failure", reason: "status", status: 503, rttMs: 50 });
    pick.done({ kind: "failure", reason: "status", status: 503, rttMs: 50 }); // a second report is ignored
    expect(balancer.stats("a")).toMatchObject({ active: 0, consecutiveFailures: 1 });
    now = 500;
    instancer.set([instance("a"), instance("b")]);
    expect(balancer.stats("a")?.consecutiveFailures).toBe(1);
    expect(balancer.stats("a")?.addedAt).toBe(Number.NEGATIVE_INFINITY);
    expect(balancer.stats("b")?.addedAt).toBe(500);
    instancer.set([instance("b")]);
    expect(balancer.stats("a")).toBeUndefined();
    balancer.close();
  });

  it("passes the request key to the rule", () => {
    const keys: Array<string | undefined> = [];
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("a")]),
      rule: {
        choose: (c, ctx) => {
          keys.push(ctx.key);
          return c[0] as never;
        },
      },
    });
    balancer.pick({ key: "user-1" });
    expect(keys).toEqual(["user-1"]);
  });
});
