import { describe, expect, it } from "vitest";
import { compileFilter } from "./filter.js";

const checks = [
  { CheckID: "a", Status: "passing", ServiceID: "", ServiceTags: [], Meta: {} },
  { CheckID: "b", Status: "critical", ServiceID: "web-1", ServiceTags: ["blue", "v2"], Meta: {} },
  { CheckID: "c", Status: "warning", ServiceID: "web-2", ServiceTags: ["green"], Meta: { team: "pay" } },
];
const ids = (filter: string) =>
  checks
    .filter(compileFilter(filter))
    .map((c) => c.CheckID)
    .join();

describe("compileFilter (the subset of go-bexpr that agent listings need)", () => {
  it("matches ==, !=, in, not in, contains, is empty, and, or, not and parentheses", () => {
    expect(ids('Status == "passing"')).toBe("a");
    expect(ids("Status != passing")).toBe("b,c");
    expect(ids('"blue" in ServiceTags')).toBe("b");
    expect(ids('"blue" not in ServiceTags')).toBe("a,c");
    expect(ids('ServiceID contains "web"')).toBe("b,c");
    expect(ids('ServiceID not contains "web"')).toBe("a");
    expect(ids("ServiceID is empty")).toBe("a");
    expect(ids("ServiceTags is not empty")).toBe("b,c");
    expect(ids('Meta.team == "pay"')).toBe("c");
    expect(ids('Status == "critical" or Status == "warning" and ServiceID == "web-2"')).toBe("b,c");
    expect(ids('(Status == "critical" or Status == "warning") and ServiceID == "web-2"')).toBe("c");
    expect(ids('not Status == "passing"')).toBe("b,c");
  });

  it("answers a short 400 for what it cannot parse, and refuses very long expressions", () => {
    for (const bad of ["Status ===", "Status ==", "(Status == a", "Status like a", 'Status == "a" junk', "§"]) {
      expect(() => compileFilter(bad)).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
    expect(() => compileFilter(`${"a == b and ".repeat(60)}a == b`)).toThrow("filter expression too long");
  });

  it("refuses a selector the records do not have, or one that steps into a list, instead of matching nothing", () => {
    // prometheus/prometheus#18499: `ServiceTags` is a catalog field; Consul's health API refuses it.
    expect(() => ids('"blue" in Tags')).toThrow('Selector "Tags" is not valid');
    expect(() => ids('"__proto__" in constructor')).toThrow('Selector "constructor" is not valid');
    const entries = [{ Service: { Tags: ["blue"] }, Checks: [{ Status: "passing" }] }];
    expect(entries.filter(compileFilter('"blue" in Service.Tags'))).toHaveLength(1);
    expect(() => entries.filter(compileFilter("Checks.Status == passing"))).toThrow("steps into a list");
    expect(entries.filter(compileFilter("Service.Meta.team == pay"))).toHaveLength(0); // a missing map key: no match
  });
});
