import { describe, expect, it } from "vitest";
import { readConsistency } from "./consistency.js";
import { firstValue, parseGoBool } from "./go-bool.js";

// Rules: hashicorp/consul agent/http.go `parseConsistency`; Go's strconv.ParseBool (agent/health_endpoint.go
// `getBoolQueryParam`). The real-process cases are in conformance/consul-query-field.test.ts.
describe("readConsistency (Consul's parseConsistency)", () => {
  it("accepts each mode alone, reports ?cached and the mode Consul's QueryOptions.ConsistencyLevel names", () => {
    expect(readConsistency({})).toEqual({ cached: false, level: "leader" });
    expect(readConsistency({ leader: "" })).toEqual({ cached: false, level: "leader" });
    expect(readConsistency({ stale: "" })).toEqual({ cached: false, level: "stale" });
    expect(readConsistency({ max_stale: "5s" })).toEqual({ cached: false, level: "stale" });
    expect(readConsistency({ max_stale: "0s" })).toEqual({ cached: false, level: "leader" });
    expect(readConsistency({ consistent: "", max_stale: "0s" })).toEqual({ cached: false, level: "consistent" });
    expect(readConsistency({ cached: "", stale: "" })).toEqual({ cached: true, level: "stale" });
  });

  it("refuses the conflicts Consul refuses, with its reasons", () => {
    const reason = (query: Record<string, unknown>) => {
      try {
        readConsistency(query);
        return "accepted";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(reason({ stale: "", consistent: "" })).toBe(
      "Cannot specify ?stale with ?consistent, conflicting semantics.",
    );
    expect(reason({ max_stale: "1m", consistent: "" })).toBe(
      "Cannot specify ?stale with ?consistent, conflicting semantics.",
    );
    expect(reason({ cached: "", consistent: "" })).toBe(
      "Cannot specify ?cached with ?consistent, conflicting semantics.",
    );
    expect(reason({ max_stale: ["soon", "1s"] })).toBe('Invalid max_stale value "soon"');
  });
});

describe("parseGoBool and firstValue (Go's strconv.ParseBool, url.Values.Get)", () => {
  it("takes exactly Go's spellings", () => {
    expect(["1", "t", "T", "TRUE", "true", "True"].map(parseGoBool)).toEqual(Array(6).fill(true));
    expect(["0", "f", "F", "FALSE", "false", "False"].map(parseGoBool)).toEqual(Array(6).fill(false));
    expect(["yes", "tRUE", "", " true", "2"].map(parseGoBool)).toEqual(Array(5).fill(undefined));
  });

  it("reads a repeated parameter by its first value", () => {
    expect([firstValue(undefined), firstValue("a"), firstValue(["b", "c"])]).toEqual([undefined, "a", "b"]);
  });
});
