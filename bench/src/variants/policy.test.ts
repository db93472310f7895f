import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { describe, expect, it } from "vitest";
import { PANIC, policyByName } from "./policy.js";
import { outlierOptions } from "./sdk.js";

const instance = (id: string, port: number): ServiceInstance => ({
  id,
  service: "upstream",
  host: "127.0.0.1",
  port,
  secure: false,
  status: "UP",
  metadata: {},
});

describe("the SDK's all-instances-out behaviour, matched to HAProxy's 503", () => {
  const policy = policyByName("matched");
  /** Fails every pick until the balancer refuses one; resolves with what it threw (undefined: it never did). */
  const failUntilRefused = (balancer: ReturnType<typeof createBalancer>): unknown => {
    for (let i = 0; i < 10 * policy.ejectAfterErrors; i++) {
      try {
        balancer.pick().done({ kind: "failure", reason: "status", status: 503, rttMs: 1 });
      } catch (error) {
        return error;
      }
    }
    return undefined;
  };

  it("fails fast with LB_PANIC once every instance is ejected, and uses the survivors before that", () => {
    const instancer = new FixedInstancer([instance("u0", 1), instance("u1", 2), instance("u2", 3)]);
    const balancer = createBalancer({ instancer, outlierDetection: outlierOptions(policy), panic: PANIC });
    try {
      for (let i = 0; i < policy.ejectAfterErrors; i++) {
        const pick = balancer.pick({ avoid: new Set(["u1", "u2"]) });
        pick.done({ kind: "failure", reason: "status", status: 503, rttMs: 1 });
      }
      // u0 is out; two of three in service is no panic: the survivors take the requests.
      expect(["u1", "u2"]).toContain(balancer.pick().instance.id);
      expect(failUntilRefused(balancer)).toMatchObject({ code: "LB_PANIC" });
      expect(() => balancer.pick()).toThrow(expect.objectContaining({ code: "LB_PANIC" }));
    } finally {
      balancer.close();
      instancer.close();
    }
  });

  it("the earlier setting (panic off) does not fail fast: it is what left the overload arm unmatched", () => {
    const instancer = new FixedInstancer([instance("u0", 1), instance("u1", 2)]);
    const balancer = createBalancer({
      instancer,
      outlierDetection: outlierOptions(policy),
      panic: { thresholdPercent: 0 },
    });
    try {
      // With every instance ejected and panic off, main's balancer throws a TypeError from the rule's empty choice
      // (balancer.ts reads `instance.id` of undefined): no fail-fast error a caller could act on.
      const refused = failUntilRefused(balancer) as { code?: string } | undefined;
      expect(refused?.code).not.toBe("LB_PANIC");
    } finally {
      balancer.close();
      instancer.close();
    }
  });
});
