import { describe, expect, it } from "vitest";
import { checkServicePolicy } from "./parse.js";
import { unsafeRegexReason } from "./safe-regex.js";

/** Istio's documented cookie match (istio.io request-routing and fault-injection tasks, bookinfo `reviews`). */
const ISTIO_COOKIE = "^(.*?;)?(user=jason)(;.*)?$";

const cookieRoute = (regex: string) => ({
  routes: [{ match: [{ headers: { cookie: { regex } } }], route: [{}] }],
});

/** As the SDK compiles a route regex (node's route-match.ts): the whole value, RE2's FullMatch. */
const fullMatch = (pattern: string) => new RegExp(`^(?:${pattern})$`, "u");

describe("optional groups and the regex rules (Istio's cookie regex, breaker issue 19)", () => {
  // The star-height rule counted `?` as a repetition, so `(.*?;)?` — a group taken at most once — was "a quantified
  // group that holds a quantifier" and Istio's own example was refused with 400. RE2 (Envoy's engine) takes it.
  it("accepts Istio's cookie regex and matches the cookies it is written for", () => {
    expect(unsafeRegexReason(ISTIO_COOKIE)).toBeUndefined();
    expect(checkServicePolicy(cookieRoute(ISTIO_COOKIE)).ok).toBe(true);
    const regex = fullMatch(ISTIO_COOKIE);
    expect(regex.test("user=jason")).toBe(true);
    expect(regex.test("session=1;user=jason;theme=dark")).toBe(true);
    expect(regex.test("session=1;user=jasonx")).toBe(false);
  });

  it.each([["(a+)?b"], ["^/v1(/[a-z]+)?$"], ["^(?:x-.*)?$"], ["^(.*?;)?(user=jason)$"]])(
    "accepts %s: an optional group whose repetitions end where they must",
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toBeUndefined();
    },
  );

  // What the optional group now lets through is checked against what follows it: each of these backtracks
  // polynomially on text that does not match (two repetitions over the same characters, nothing forcing their split;
  // in the last, `(;.*)?` no longer ends the pattern, so its `.*` gives back the text `;x` needs, for every `;`).
  it.each([["(.*)?.*x"], ["^(.*;)?(.*;)?user=jason$"], ["(a*)?(a*)?b"], ["^(.*?;)?(user=jason)(;.*)?;x$"]])(
    "refuses %s: polynomial backtracking",
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toMatch(/polynomial backtracking/);
    },
  );

  it.each([["((a+)?)*"], ["(a+){2}"], ["(a|b){2,}"], ["(x?){0,}y"]])(
    "still refuses %s: a repeated group holding a quantifier or an alternation",
    (pattern) => {
      expect(unsafeRegexReason(pattern)).toMatch(/catastrophic backtracking/);
    },
  );
});
