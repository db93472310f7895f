import { describe, expect, it } from "vitest";
import { arms } from "./arms.js";
import { FAILURE_SCENARIOS, type FailureScenario } from "./failure-scenarios.js";

const scenario = (name: string): FailureScenario => FAILURE_SCENARIOS.find((s) => s.name === name) as FailureScenario;
const named = (name: string) => arms(scenario(name)).map((a) => [a.arm, a.variant, a.source]);

describe("failure scenario arms", () => {
  it("runs the policy change three ways: the central push and the file for the SDK, the runtime API for HAProxy", () => {
    expect(named("policy")).toEqual([
      ["sdk central", "sdk", "central"],
      ["sdk file", "sdk", "file"],
      ["sdk-undici central", "sdk-undici", "central"],
      ["haproxy-http", "haproxy-http", undefined],
    ]);
  });

  it("keeps one arm per variant (and policy) in the other scenarios", () => {
    expect(named("kill")).toEqual([
      ["sdk", "sdk", "file"],
      ["sdk-undici", "sdk-undici", "file"],
      ["haproxy-http", "haproxy-http", undefined],
    ]);
    expect(arms(scenario("overload")).map((a) => a.arm)).toEqual([
      "sdk matched",
      "sdk-undici matched",
      "haproxy-http matched",
      "sdk no-retry",
      "sdk-undici no-retry",
      "haproxy-http no-retry",
      "sdk budget",
      "sdk every-attempt",
    ]);
  });
});
