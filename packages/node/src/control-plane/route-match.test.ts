// Conformance with Envoy's RouteMatch (envoy/config/route/v3/route_components.proto, the matcher Istio's
// VirtualService HTTPMatchRequest compiles to): `path` (exact) and `safe_regex` compare the path once the query
// string is removed, `prefix` the beginning of the :path header; a regex must match the whole value; header names
// are case-insensitive; several matches of one route are ORed, the parts of one match ANDed.
import { describe, expect, it } from "vitest";
import { compileRouteMatch, type RequestFacts } from "./route-match.js";

const request = (path: string, method = "GET", headers: Record<string, string> = {}): RequestFacts => ({
  method,
  path,
  header: (name) => headers[name],
});

describe("route matches (Envoy's RouteMatch)", () => {
  it("exact and regex ignore the query string; prefix reads the request target", () => {
    const exact = compileRouteMatch({ match: [{ uri: { exact: "/api/items" } }], route: [{}] });
    expect(exact(request("/api/items?page=2"))).toBe(true);
    expect(exact(request("/api/items/1"))).toBe(false);
    const prefix = compileRouteMatch({ match: [{ uri: { prefix: "/api" } }], route: [{}] });
    expect([prefix(request("/api/items")), prefix(request("/apix")), prefix(request("/ap"))]).toEqual([
      true,
      true,
      false,
    ]);
    const regex = compileRouteMatch({ match: [{ uri: { regex: "/items/[0-9]+" } }], route: [{}] });
    expect(regex(request("/items/42?x=1"))).toBe(true);
    // RE2 FullMatch: a regex that matches only a part of the path does not match.
    expect(regex(request("/v1/items/42"))).toBe(false);
  });

  it("ANDs the parts of one match, ORs the matches, and matches everything without a match list", () => {
    const route = compileRouteMatch({
      match: [{ method: { exact: "POST" }, headers: { "X-Canary": { exact: "true" } } }, { uri: { prefix: "/beta" } }],
      route: [{}],
    });
    expect(route(request("/", "POST", { "x-canary": "true" }))).toBe(true);
    expect(route(request("/", "GET", { "x-canary": "true" }))).toBe(false);
    expect(route(request("/", "POST"))).toBe(false);
    expect(route(request("/beta/x", "DELETE"))).toBe(true);
    expect(compileRouteMatch({ route: [{}] })(request("/anything"))).toBe(true);
  });

  it("a header match on an absent header fails, whatever the match", () => {
    const route = compileRouteMatch({ match: [{ headers: { "x-user": { regex: ".*" } } }], route: [{}] });
    expect(route(request("/"))).toBe(false);
    expect(route(request("/", "GET", { "x-user": "" }))).toBe(true);
  });
});
