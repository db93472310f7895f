import { parseDuration, unsafeRegexReason } from "@outrigger/policy";
import { describe, expect, it } from "vitest";
import { CANARY_ROUTE } from "../policy-fixtures.js";
import { validatePolicy } from "./validate.js";

const canary = {
  destination: {
    rule: { name: "p2c-peak-ewma" },
    outlierDetection: { consecutive5xx: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 },
    rateLimit: { points: 100, durationMs: 1000 },
    subsets: [
      { name: "v1", labels: { version: "v1" } },
      { name: "v2", labels: { version: "v2" }, trafficPolicy: { bulkhead: { maxConcurrent: 10 } } },
    ],
  },
  routes: [
    {
      match: [{ headers: { "x-canary": { exact: "true" } } }],
      route: [{ subset: "v2" }],
    },
    structuredClone(CANARY_ROUTE),
  ],
};

function issuesOf(policy: unknown): readonly string[] {
  try {
    validatePolicy(policy);
  } catch (error) {
    expect((error as { code: string }).code).toBe("REGISTRY_POLICY_INVALID");
    return (error as { issues: string[] }).issues;
  }
  throw new Error("the policy was accepted");
}

describe("service policy schema", () => {
  it("accepts a canary policy with subsets, weighted routes, retries, faults and mirroring", () => {
    expect(validatePolicy(canary)).toEqual(canary);
  });

  it("names the path of every bad field", () => {
    const bad = structuredClone(canary) as typeof canary & Record<string, unknown>;
    (bad.routes[1] as Record<string, unknown>).timeout = { totalMs: "2s" };
    bad.destination.rule.name = "fastest";
    expect(issuesOf(bad)).toEqual([
      expect.stringMatching(/^destination\.rule\.name: Invalid option/),
      expect.stringMatching(/^routes\[1\]\.timeout\.totalMs: Invalid input: expected number/),
    ]);
    // Cross-field rules run once every field is well-formed.
    const split = structuredClone(canary) as { routes: { route: { subset?: string; weight?: number }[] }[] };
    (split.routes[1]?.route[1] ?? {}).weight = 10;
    (split.routes[0]?.route[0] ?? {}).subset = "v3";
    expect(issuesOf(split)).toEqual([
      'routes[0].route[0].subset: subset "v3" is not defined in destination.subsets',
      "routes[1].route: weights must add up to 100",
    ]);
  });

  it("refuses unknown fields instead of dropping them", () => {
    expect(() => validatePolicy({ routes: [{ route: [{}], rewrite: { uri: "/" } }] })).toThrow(
      /routes\[0\]: Unrecognized key: "rewrite"/,
    );
  });

  it("reads durations as Istio writes them", () => {
    expect([parseDuration("250ms"), parseDuration("1.5s"), parseDuration("2m"), parseDuration("1h")]).toEqual([
      250, 1500, 120_000, 3_600_000,
    ]);
    expect([parseDuration("25h"), parseDuration("10"), parseDuration(10)]).toEqual([undefined, undefined, undefined]);
  });
});

describe("route regexes (RE2's restrictions, as Envoy's safe_regex)", () => {
  it.each([["^/api/v[0-9]+/orders$"], ["^/(?:users|orders)/[a-z0-9-]{1,36}$"], ["^(?<id>[a-f0-9]{8})$"], ["(foo)+"]])(
    "accepts %s",
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toBeUndefined();
    },
  );

  it.each([
    ["(a+)+$", "quantifies a group"],
    ["^(a|aa)*$", "quantifies a group"],
    ["((ab)*)+", "quantifies a group"],
    ["(.*a){12}", "quantifies a group"],
    ["(a)\\1", "backreference"],
    ["^(?=.*x)", "lookaround"],
    ["[", "does not compile"],
    ["a".repeat(257), "longer than 256"],
  ])("refuses %s", (pattern, reason) => {
    expect(unsafeRegexReason(pattern)).toContain(reason);
    expect(() => validatePolicy({ routes: [{ match: [{ uri: { regex: pattern } }], route: [{}] }] })).toThrow(
      /routes\[0\]\.match\[0\]\.uri/,
    );
  });
});
