import { describe, expect, it } from "vitest";
import { compileFilter } from "./filter.js";

const checks = [
  { CheckID: "a", Status: "passing", ServiceID: "", ServiceTags: [] },
  { CheckID: "b", Status: "critical", ServiceID: "web-1", ServiceTags: ["blue", "v2"] },
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
});
