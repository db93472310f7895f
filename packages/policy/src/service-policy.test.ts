import { RULE_NAMES } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { clientPolicyShape } from "./client-policy.js";
import { destinationPolicySchema, ruleSchema } from "./index.js";
import { checkServicePolicy } from "./parse.js";
import { readPolicyRecord } from "./policy-record.js";

describe("one policy model", () => {
  it("a destination policy takes exactly the client policy's keys plus subsets, in the same units", () => {
    expect(Object.keys(destinationPolicySchema.shape).sort()).toEqual(
      [...Object.keys(clientPolicyShape), "subsets"].sort(),
    );
    const local = { timeout: { perTryMs: 500, totalMs: 2_000 }, retry: { maxAttempts: 3 } };
    expect(checkServicePolicy({ destination: local })).toEqual({ ok: true, policy: { destination: local } });
  });

  it("names every rule of @outrigger/core's RULE_NAMES and no other", () => {
    for (const name of RULE_NAMES) expect(ruleSchema.safeParse({ name }).success).toBe(true);
    expect(ruleSchema.safeParse({ name: "fastest" }).success).toBe(false);
  });

  it("refuses Istio's duration strings in the model: the translator converts them", () => {
    const checked = checkServicePolicy({ routes: [{ route: [{}], timeout: { totalMs: "2s" } }] });
    expect(checked).toEqual({
      ok: false,
      issues: ["routes[0].timeout.totalMs: Invalid input: expected number, received string"],
    });
  });
});

describe("readPolicyRecord", () => {
  it("reads none, a deleted policy, a valid one, and says why a bad one cannot be applied", () => {
    expect(readPolicyRecord(null, "orders")).toEqual({ service: "ORDERS", revision: 0, policy: null });
    expect(readPolicyRecord({ revision: 2, policy: null }, "orders")).toEqual({
      service: "ORDERS",
      revision: 2,
      policy: null,
    });
    const bad = readPolicyRecord({ revision: 3, policy: { routes: [{ route: [{ subset: "v9" }] }] } }, "orders");
    expect(bad).toEqual({
      service: "ORDERS",
      revision: 3,
      policy: null,
      issues: ['policy.routes[0].route[0].subset: subset "v9" is not defined in destination.subsets'],
    });
    expect(readPolicyRecord({ revision: "3" }, "orders").issues).toEqual(["revision: must be a whole number ≥ 1"]);
  });
});
