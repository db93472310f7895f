// Subset-level traffic policy as Istio's DestinationRule defines it (Subset.trafficPolicy: subset settings override
// the destination's; istio/istio pilot/pkg/networking/util MergeSubsetTrafficPolicy replaces each of loadBalancer,
// connectionPool, outlierDetection whole), under this SDK's precedence (the app's code overrides stay on top).
import type { ServicePolicy } from "@outrigger/policy";
import { RetryBudgets } from "@outrigger/resilience";
import { describe, expect, it } from "vitest";
import { SAFE_DEFAULTS } from "../safe-defaults.js";
import { layerPolicy } from "./layering.js";
import { buildSnapshot, UnapplicablePolicy } from "./policy-snapshot.js";

const policy: ServicePolicy = {
  destination: {
    rule: { name: "random" },
    bulkhead: { maxConcurrent: 1 },
    outlierDetection: { consecutive5xx: 5 },
    subsets: [
      { name: "v1", labels: { version: "v1" } },
      {
        name: "v2",
        labels: { version: "v2" },
        trafficPolicy: { rule: { name: "round-robin" }, bulkhead: { maxConcurrent: 20 } },
      },
    ],
  },
  routes: [
    {
      route: [
        { subset: "v1", weight: 50 },
        { subset: "v2", weight: 50 },
      ],
      retry: { maxAttempts: 2 },
    },
  ],
};
const build = (p: ServicePolicy, overrides?: { rule?: { name: "p2c-peak-ewma" } }) =>
  buildSnapshot("SVC", 1, p, layerPolicy(SAFE_DEFAULTS, p, overrides), new RetryBudgets(), overrides);

describe("subsets[].trafficPolicy", () => {
  it("gives the subset the destination's policy with each key it sets replaced whole", () => {
    const [v1, v2] = build(policy).subsets;
    expect(v1).toMatchObject({ name: "v1", policy: undefined, ownBalancer: false, pipeline: undefined });
    expect(v2?.policy).toMatchObject({
      rule: { name: "round-robin" }, // the subset's
      bulkhead: { maxConcurrent: 20 }, // the subset's, not the destination's 1
      outlierDetection: { consecutive5xx: 5 }, // not set by the subset: the destination's
    });
    expect(v2?.ownBalancer).toBe(true);
    expect(v2?.pipeline).toBeDefined();
  });

  it("a route's own retry runs over the target subset's policy: one pipeline per subset with its own bulkhead", () => {
    const snapshot = build(policy);
    const [toV1, toV2] = snapshot.routes[0]?.targets ?? [];
    expect(toV1?.pipeline).toBeDefined(); // the route's retry over the destination's policy
    expect(toV2?.pipeline).toBeDefined(); // the route's retry over v2's policy (its bulkhead of 20)
    expect(toV2?.pipeline).not.toBe(toV1?.pipeline);
    expect(toV2?.pipeline).not.toBe(snapshot.subsets[1]?.pipeline);
  });

  it("the app's code overrides still beat the subset's keys (the README's precedence)", () => {
    const [, v2] = build(policy, { rule: { name: "p2c-peak-ewma" } }).subsets;
    expect(v2?.policy?.rule).toEqual({ name: "p2c-peak-ewma" });
    expect(v2?.policy?.bulkhead).toEqual({ maxConcurrent: 20 });
  });

  it("a subset setting this SDK cannot build is refused, naming the subset's field", () => {
    const bad = structuredClone(policy);
    const v2 = bad.destination?.subsets?.[1];
    if (v2?.trafficPolicy) v2.trafficPolicy.rule = { name: "round-robin", choiceCount: 2 };
    expect(() => build(bad)).toThrowError(UnapplicablePolicy);
    expect(() => build(bad)).toThrowError(/^destination\.subsets\[1\]\.trafficPolicy: rule\.choiceCount/);
  });
});
