import { describe, expect, it } from "vitest";
import type { Measurement } from "../scenarios/measure.js";
import { checkGoals, costGoal, summariseRate } from "./summarise.js";

function run(p99: number, cpu: number, accepted = true): Measurement {
  return {
    variant: "x",
    sent: 100,
    sentOnTime: 100,
    ok: 100,
    errors: 0,
    percentiles: { p50: p99 / 2, p90: p99 / 1.5, p99, "p99.9": p99 * 1.2 },
    histogram: "",
    timeline: [],
    rate: { targetPerSec: 100, achievedPerSec: accepted ? 100 : 50, accepted },
    windowStart: 0,
    clientCpuMsPerReq: cpu,
    sidecarCpuMsPerReq: 0,
    clientRssMb: 50,
    sidecarRssMb: 0,
    proxyCpuMsPerReq: 0,
    proxyRssMb: 0,
    errorRate: 0,
  };
}

describe("goals", () => {
  it("meets, misses, or calls a cost goal inconclusive when the sidecar shows no cost", () => {
    expect(costGoal(0.1, 0.6, 1 / 3)).toBe("met");
    expect(costGoal(0.3, 0.6, 1 / 3)).toBe("missed");
    expect(costGoal(-0.1, -0.2, 1 / 3)).toBe("inconclusive");
    expect(costGoal(0.1, -0.2, 1 / 3)).toBe("missed");
    expect(costGoal(Number.NaN, 1, 1 / 3)).toBe("missed");
  });

  it("pairs variants with direct by repetition, skipping rejected pairs", () => {
    const s = summariseRate({
      direct: [run(1, 1), run(5, 1, false), run(2, 1)],
      sdk: [run(1.5, 1.2), run(1, 1), run(2.5, 1.2)],
      "haproxy-http": [run(3, 1.5), run(9, 2), run(4, 1.5)],
    });
    expect(s.sdk?.addedMs.p99?.median).toBeCloseTo(0.5);
    expect(s.sdk?.accepted).toBe(3);
    expect(s.direct?.accepted).toBe(2);
    const goals = checkGoals({ 100: s }, {});
    expect(goals.map((g) => g.status)).toEqual(["met", "met"]);
  });
});
