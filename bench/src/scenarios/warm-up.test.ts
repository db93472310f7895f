import { describe, expect, it } from "vitest";
import type { BenchProcess } from "../proc/child.js";
import type { RunningVariant } from "./variant.js";
import { describeWarm, warmUp } from "./warm-up.js";

/**
 * A client whose mark-compact count rises once it has had `needMs` of load and then every `cycleMs` more (its heap
 * cycle), and the generator that loads it. Its clock is the load it had: time between bursts is not modelled.
 */
function harness(needMs: number, cycleMs = Number.POSITIVE_INFINITY) {
  let loadMs = 0;
  const bursts: number[] = [];
  const underLoad = (): number => (loadMs >= needMs ? 1 + Math.floor((loadMs - needMs) / cycleMs) : 0);
  const client = {
    request: async (command: Record<string, unknown>) => {
      const majorGcs = 1 + underLoad(); // its start-up one, at load 0
      const last = underLoad() === 0 ? 0 : needMs + (underLoad() - 1) * cycleMs;
      if (command.cmd === "major-gcs") return { majorGcs, sinceMajorGcMs: loadMs - last };
      if (command.cmd === "warmed-up") return { majorGcs };
      throw new Error(`unexpected ${String(command.cmd)}`);
    },
  };
  const generator = {
    request: async (command: Record<string, unknown>) => {
      bursts.push(command.warmupMs as number);
      loadMs += command.warmupMs as number;
      return {};
    },
  };
  const variant = { name: "sdk", url: "http://127.0.0.1:1/", client } as unknown as RunningVariant;
  return { variant, generator: generator as unknown as BenchProcess, bursts };
}

const options = { clientWarmupMs: 1_500, concurrency: 32 };

describe("a new client's warm-up", () => {
  it("is the burst alone when the client's first mark-compact under load came within it", async () => {
    const h = harness(1_000);
    expect(await warmUp(h.variant, h.generator, options)).toEqual({ warmupMs: 1_500, majorGcs: 2, underLoad: true });
    expect(h.bursts).toEqual([1_500]);
  });

  it("goes on in 500 ms steps until that mark-compact (full-17: the SDK's came in its measured windows)", async () => {
    const h = harness(4_800);
    const warm = await warmUp(h.variant, h.generator, options);
    expect(warm).toEqual({ warmupMs: 5_000, majorGcs: 2, underLoad: true });
    expect(h.bursts).toEqual([1_500, 500, 500, 500, 500, 500, 500, 500]);
    expect(describeWarm("sdk", warm)).toContain("until its first mark-compact under load");
  });

  it("stops 8 s past the burst for a client that promotes too little to reach one", async () => {
    const h = harness(Number.POSITIVE_INFINITY);
    const warm = await warmUp(h.variant, h.generator, options);
    expect(warm).toEqual({ warmupMs: 9_500, majorGcs: 1, underLoad: false });
    expect(describeWarm("sdk-undici", warm)).toContain("cap reached");
  });

  it("with a random phase, times the client's own cycle and leaves it at a random point of it (full-23: same place every pass)", async () => {
    // Mark-compacts at 1 000 ms of load (inside the burst), then every 3 000: the next at 4 000, in the third step.
    const h = harness(1_000, 3_000);
    const warm = await warmUp(h.variant, h.generator, options, true, () => 0.5);
    expect(h.bursts).toEqual([1_500, 1_000, 1_000, 1_000, 1_500]);
    expect(warm).toEqual({ warmupMs: 6_000, majorGcs: 3, underLoad: true, cycleMs: 3_000, phase: 2_000 / 3_000 });
    expect(describeWarm("sdk", warm)).toContain("then to phase 0.67 of its 3000 ms heap cycle");
  });

  it("draws the phase uniformly: evenly spread draws leave the client evenly spread over its cycle", async () => {
    const phases: number[] = [];
    for (const draw of [0, 0.25, 0.5, 0.75]) {
      const h = harness(1_000, 3_000);
      phases.push((await warmUp(h.variant, h.generator, options, true, () => draw)).phase as number);
    }
    const sorted = [...phases].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeCloseTo(0.25);
  });

  it("times a cycle shorter than a step by sharing the step among the mark-compacts in it", async () => {
    // Every 400 ms from 1 000: two in the burst (last at 1 400), two in the first step (last at 2 200).
    const h = harness(1_000, 400);
    const warm = await warmUp(h.variant, h.generator, options, true, () => 0.5);
    expect(warm.cycleMs).toBe(400);
    expect(warm.phase).toBeCloseTo(0.25);
  });

  it("gives no phase to a client whose next mark-compact does not come within 30 s, and says so", async () => {
    const h = harness(1_000);
    const warm = await warmUp(h.variant, h.generator, options, true, () => 0.5);
    expect(warm).toEqual({ warmupMs: 31_500, majorGcs: 2, underLoad: true, cycleMs: "over the cap" });
    expect(describeWarm("sdk", warm)).toContain("30000 ms more with no mark-compact (cycle over the cap, no phase)");
  });

  it("times nothing for a client that never reached its first mark-compact under load", async () => {
    const h = harness(Number.POSITIVE_INFINITY);
    expect(await warmUp(h.variant, h.generator, options, true, () => 0.5)).toEqual({
      warmupMs: 9_500,
      majorGcs: 1,
      underLoad: false,
    });
  });
});
