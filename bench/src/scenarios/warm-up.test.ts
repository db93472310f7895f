import { describe, expect, it } from "vitest";
import type { BenchProcess } from "../proc/child.js";
import type { RunningVariant } from "./variant.js";
import { describeWarm, warmUp } from "./warm-up.js";

/** A client whose mark-compact count rises once it has had `needMs` of load, and the generator that loads it. */
function harness(needMs: number) {
  let loadMs = 0;
  let majorGcs = 1; // its start-up one
  const bursts: number[] = [];
  const client = {
    request: async (command: Record<string, unknown>) => {
      if (command.cmd === "major-gcs" || command.cmd === "warmed-up") return { majorGcs };
      throw new Error(`unexpected ${String(command.cmd)}`);
    },
  };
  const generator = {
    request: async (command: Record<string, unknown>) => {
      bursts.push(command.warmupMs as number);
      loadMs += command.warmupMs as number;
      if (loadMs >= needMs && majorGcs === 1) majorGcs = 2;
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
});
