import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

describe("RoundRobinRule", () => {
  const three = [instance("a"), instance("b"), instance("c")];

  it("takes candidates in turn from a random start", () => {
    const rule = new RoundRobinRule({ random: () => 0.1 / 1_000_000 }); // start index 0
    expect([1, 2, 3, 4].map(() => rule.choose(three).id)).toEqual(["a", "b", "c", "a"]);
    const late = new RoundRobinRule({ random: () => 2 / 1_000_000 });
    expect(late.choose(three).id).toBe("c");
  });

  it("never indexes out of range when the list shrinks between picks (Ribbon's fault)", () => {
    const rule = new RoundRobinRule({ random: () => 0.999 });
    for (let n = 5; n >= 1; n--) {
      const list = three.concat(three).slice(0, n);
      expect(list).toContain(rule.choose(list));
    }
  });

  it("a retry's pick reads the position without moving it; a first attempt that avoids drained ones moves it", () => {
    const balancer = createBalancer({
      instancer: new FixedInstancer(three),
      rule: new RoundRobinRule({ random: () => 0 }),
      outlierDetection: false,
    });
    const ids = (options: Parameters<typeof balancer.pick>[0]) => {
      const pick = balancer.pick(options);
      pick.done({ kind: "success", rttMs: 1 });
      return pick.instance.id;
    };
    expect(ids({})).toBe("a");
    // Retries (explicit attempt, or untriedOnly as createLbAxios sends them) do not advance.
    expect(ids({ avoid: new Set(["a"]), attempt: 2 })).toBe("c");
    expect(ids({ avoid: new Set(["a"]), untriedOnly: true })).toBe("c");
    expect(ids({})).toBe("b");
    // A first attempt avoiding a drained instance is not a retry: the position moves on.
    expect([ids({ avoid: new Set(["c"]) }), ids({ avoid: new Set(["c"]) })]).toEqual(["a", "b"]);
    balancer.close();
  });
});
