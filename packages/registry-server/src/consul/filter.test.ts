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

  it('reaches map keys with "-" or "." through an index, Service.Meta["pod-name"] (hashicorp/consul#17992)', () => {
    const entries = [
      { Service: { Meta: { "pod-name": "p1", "management.port": "8081" } } },
      { Service: { Meta: { "pod-name": "p2" } } },
    ];
    const count = (filter: string) => entries.filter(compileFilter(filter)).length;
    expect(count('Service.Meta["pod-name"] == "p1"')).toBe(1);
    expect(count("Service.Meta[`pod-name`] != p1")).toBe(1);
    expect(count('Service.Meta[ "management.port" ] == "8081"')).toBe(1);
    expect(count('Service.Meta["management.port"] is empty')).toBe(1);
    expect(count('Service.Meta contains "pod-name" and not Service.Meta["pod-name"] == "p2"')).toBe(1);
    // The dotted form still reads a key of plain letters; it cannot reach "management.port".
    expect(count('Service.Meta.management.port == "8081"')).toBe(0);
    for (const bad of [
      'Service.Meta["pod-name" == "p1"',
      'Service.Meta[pod] == "p1"',
      '["a"] == b',
      "Service..Meta == a",
    ]) {
      expect(() => compileFilter(bad)).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
  });

  it("matches and not matches take Go's RE2 syntax, search unanchored, and run in linear time on hostile patterns", () => {
    expect(ids('ServiceID matches "^web-[0-9]$"')).toBe("b,c");
    expect(ids('ServiceID matches "2"')).toBe("c");
    expect(ids('ServiceID not matches "^web"')).toBe("a");
    expect(ids('Meta.team matches "p.y"')).toBe("c"); // a missing key does not match
    expect(ids('Meta.team not matches "p.y"')).toBe("a,b");
    expect(ids("CheckID matches `(?i)^B$`")).toBe("b"); // RE2's inline flags, as Go's regexp
    // Not a JavaScript pattern: RE2 has no look-ahead or back-references, so Consul refuses them; so do we.
    for (const bad of ['ServiceID matches "(?=w)"', 'ServiceID matches "(a)\\\\1"', "ServiceID matches `(a)\\1`"]) {
      expect(() => compileFilter(bad)).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
    expect(ids('ServiceID matches "web-\\\\d"')).toBe("b,c"); // an escaped backslash, as in Go's strconv.Unquote
    // A string escape JSON does not know was a SyntaxError thrown out of the parser: now a 400 with the code. (Go's
    // strconv.Unquote reads "\\x41" as "A"; we refuse it plainly rather than read it another way.)
    for (const bad of ['ServiceID matches "(a)\\1"', 'Status == "\\x41"', 'ServiceID matches "["', '"\\x41" in Tags']) {
      expect(() => compileFilter(bad)).toThrow(expect.objectContaining({ statusCode: 400 }));
    }
    expect(() => ids('ServiceTags matches "blue"')).toThrow("matches needs a string field");
    // Exponential for a backtracking engine ((a|a)* against a's then "b"): linear in RE2, so this returns at once.
    const long = [{ Name: `${"a".repeat(5_000)}b` }];
    expect(long.filter(compileFilter('Name matches "^(a|a)*$"'))).toHaveLength(0);
    expect(long.filter(compileFilter('Name matches "^(a|a)*b$"'))).toHaveLength(1);
  });
});
