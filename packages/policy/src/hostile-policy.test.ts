import { describe, expect, it } from "vitest";
import { checkServicePolicy, MAX_POLICY_DEPTH } from "./parse.js";
import { unsafeRegexReason } from "./safe-regex.js";

const regexRoute = (regex: string) => ({ routes: [{ match: [{ uri: { regex } }], route: [{}] }] });
const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

describe("hostile policies (breaker, issue 19)", () => {
  it("refuses a policy nested past MAX_POLICY_DEPTH by its shape, without overflowing the stack", () => {
    const deep = { destination: { fallback: { value: nested(30_000) } } };
    expect(checkServicePolicy(deep)).toEqual({
      ok: false,
      issues: [`(policy): nested deeper than ${MAX_POLICY_DEPTH} levels`],
    });
    // A fallback value a few levels deep is a policy, not an attack.
    expect(checkServicePolicy({ destination: { fallback: { value: nested(20) } } }).ok).toBe(true);
  });

  // Envoy matches route regexes with RE2 (linear time; envoyproxy/envoy#7728, CVE-2019-15225, was its recursive
  // std::regex). JavaScript backtracks: two unbounded repetitions over the same characters make a match of a path
  // that does not match polynomial in its length (n^10 below: minutes for 100 characters).
  it.each([
    [".*.*.*.*.*.*.*.*.*.*z"],
    ["^/api/.*/v1/.*/items$"],
    ["\\w*\\w*"],
    ["\\d+1\\d+"],
    ["a*b?a*"],
    ["^(?:x|.*)y.*z$"],
    ["[a-z0-9-]{1,64}[a-z]{1,64}"],
  ])("refuses %s: polynomial backtracking", (pattern) => {
    expect(unsafeRegexReason(pattern)).toMatch(/polynomial backtracking/);
    const checked = checkServicePolicy(regexRoute(pattern));
    expect(checked.ok).toBe(false);
  });

  it.each([
    ["^/api/v[0-9]+/orders/[^/]+/items/[^/]+$"],
    ["^/(?:users|orders)/[a-z0-9-]{1,36}$"],
    ["^/static/.*\\.js$"],
    ["[a-z]+[0-9]+"],
    ["^/a/[^/]*/b/.*$"],
    // The last piece takes any text: greedy, it takes the rest of a path or header value, and the end matches.
    ["^Mozilla/.*Chrome/.*$"],
    [".*session=.*"],
  ])("accepts %s: every repetition's end is forced", (pattern) => {
    expect(unsafeRegexReason(pattern)).toBeUndefined();
  });

  it("says why a regex does not compile without quoting it (it may carry a token)", () => {
    const reason = unsafeRegexReason("^/hook/https://bot:s3cr3t-pw@chat.example.com/(");
    expect(reason).toBe("does not compile: Unterminated group");
    const checked = checkServicePolicy(regexRoute("^/hook\\?token=s3cr3t-pw(?i)"));
    expect(JSON.stringify(checked)).not.toContain("s3cr3t-pw");
  });

  // Istio's validation refuses a DestinationRule naming a subset twice (release notes: "Added validation checks to
  // reject DestinationRules with duplicate subset names"); the SDK kept the last definition silently.
  it("refuses a subset defined twice", () => {
    const policy = {
      destination: {
        subsets: [
          { name: "v1", labels: { version: "v1" } },
          { name: "v1", labels: { version: "v2" } },
        ],
      },
    };
    expect(checkServicePolicy(policy)).toEqual({
      ok: false,
      issues: ['destination.subsets[1].name: subset "v1" is defined twice: give each subset its own name'],
    });
  });

  // RFC 9110 §5.1: field names are case-insensitive. Two conditions on X-Canary and x-canary are one header that
  // must equal two values: a route that can never match.
  it("refuses a header named twice in one match, whatever the case", () => {
    const policy = {
      routes: [
        { match: [{ headers: { "X-Canary": { exact: "true" }, "x-canary": { exact: "false" } } }], route: [{}] },
      ],
    };
    expect(checkServicePolicy(policy)).toEqual({
      ok: false,
      issues: [
        'routes[0].match[0].headers: header "x-canary" is named twice (header names are case-insensitive): keep one',
      ],
    });
  });
});
