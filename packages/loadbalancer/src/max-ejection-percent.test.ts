// Field cases envoyproxy/envoy#26877 ("ejects two pods when 3 total are running and max_ejection_percentage is 50%")
// and #27066 (3 hosts at 67%: all 3 ejected, "a complete outage"). The share out was checked before the ejection;
// Envoy now counts the host about to be ejected (DetectorImpl::ejectHost, PRs #27624/#27909) and lets the first
// ejection past the cap only with always_eject_one_host (#34796). Replayed over three real loopback instances that
// answer every request 503, through the undici dispatcher (`http://svc/`: undici.request takes http(s) URLs only).
import { FixedInstancer } from "@outrigger/discovery";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { OutlierDetector, type OutlierOptions } from "./outlier-detector.js";
import { RoundRobinRule } from "./round-robin.js";
import { startInstances } from "./seam/seam-fixture.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let fixtures: Array<Awaited<ReturnType<typeof startInstances>>> = [];
beforeAll(async () => {
  fixtures = await Promise.all([0, 1, 2].map(() => startInstances(["503"])));
});
afterAll(() => Promise.all(fixtures.map((f) => f.close())));

/** Sends 30 requests (no retry) to the three failing instances; returns the ids ejected, in order. */
async function ejectedAfter30(outlier: OutlierOptions): Promise<string[]> {
  const balancer = createBalancer({
    instancer: new FixedInstancer(fixtures.map((f, i) => instance(`i${i}`, "UP", f.get("503").port))),
    rule: new RoundRobinRule({ random: () => 0 }),
    outlierDetection: { consecutive5xx: 1, ...outlier },
    // Panic off: an all-ejected set refuses instead of spreading over every instance again.
    panic: { thresholdPercent: 0 },
  });
  const ejected: string[] = [];
  balancer.onEjection((e) => ejected.push(e.instance.id));
  const dispatcher = createLbDispatcher({ balancer: () => balancer, retry: false });
  for (let i = 0; i < 30; i++) {
    const answer = await request("http://svc/", { dispatcher }).catch((error: { code?: string }) => error);
    if ("statusCode" in answer) await answer.body.dump();
    // Only 503s from the instances: never "no instance", so the cap left one in service.
    expect("statusCode" in answer ? answer.statusCode : answer.code).toBe(503);
  }
  await dispatcher.close();
  balancer.close();
  return ejected;
}

describe("max_ejection_percent counts the ejection about to happen (envoyproxy/envoy#26877, #27066)", () => {
  it("50% of 3 instances ejects 1 (was 2)", async () => {
    expect(await ejectedAfter30({ maxEjectionPercent: 50 })).toHaveLength(1);
  });

  it("67% of 3 ejects 2, never the third (was all 3: a complete outage)", async () => {
    expect(await ejectedAfter30({ maxEjectionPercent: 67 })).toHaveLength(2);
  });

  it("the default 10% still ejects one of 3 (alwaysEjectOneHost, on by default); off, Envoy's strict cap ejects none", async () => {
    expect(await ejectedAfter30({})).toHaveLength(1);
    expect(await ejectedAfter30({ alwaysEjectOneHost: false })).toEqual([]);
    expect(await ejectedAfter30({ alwaysEjectOneHost: false, maxEjectionPercent: 34 })).toHaveLength(1);
  });
});

describe("the rule over set sizes and caps (Envoy: 100·(active + 1)/hosts ≤ max, or the first with always_eject_one_host)", () => {
  /** How many of `n` always-failing instances end ejected at once. */
  const ejectedOf = (n: number, options: OutlierOptions): number => {
    const detector = new OutlierDetector({ consecutive5xx: 1, ...options });
    const ids = Array.from({ length: n }, (_, i) => `i${i}`);
    for (const id of ids) detector.record(id, { kind: "failure", reason: "status", status: 503, rttMs: 1 }, ids, 0);
    return ids.filter((id) => detector.isEjected(id, 0)).length;
  };

  it.each([
    // [instances, max %, always eject one, ejected]
    [1, 10, true, 1],
    [1, 10, false, 0],
    [1, 100, false, 1],
    [2, 50, false, 1],
    [3, 33, false, 0],
    [3, 34, false, 1],
    [4, 50, true, 2],
    [4, 75, true, 3],
    [10, 10, false, 1],
    [10, 20, true, 2],
    [3, 0, true, 1],
    [3, 100, true, 3],
  ])("%i instances at %i%% (alwaysEjectOneHost %s): %i ejected", (n, max, always, count) => {
    expect(ejectedOf(n, { maxEjectionPercent: max, alwaysEjectOneHost: always })).toBe(count);
  });

  it("refuses a non-boolean alwaysEjectOneHost with LB_INVALID_OPTION naming it", () => {
    expect(() => new OutlierDetector({ alwaysEjectOneHost: "false" as unknown as boolean })).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION", message: expect.stringContaining("alwaysEjectOneHost") }),
    );
  });
});
