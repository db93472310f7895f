import { describe, expect, it } from "vitest";
import { presentedCredential } from "./credentials.js";

// Rules: hashicorp/consul agent/http.go `parseTokenInternal` (query, then X-Consul-Token, then Authorization), and
// Go's net/url `Values.Get`, which answers the first of repeated parameters.
describe("presentedCredential", () => {
  it("takes the first of repeated ?token= parameters, as Consul (Go's Query().Get) does", () => {
    expect(presentedCredential({ headers: {}, query: { token: ["first", "second"] } })).toEqual({
      token: "first",
      source: "query",
    });
  });

  it("reads the query before X-Consul-Token before Authorization, any scheme case", () => {
    const headers = { "x-consul-token": "header", authorization: "bEaReR bearer" };
    expect(presentedCredential({ headers, query: { token: "query" } })?.source).toBe("query");
    expect(presentedCredential({ headers, query: {} })?.source).toBe("x-consul-token");
    expect(presentedCredential({ headers: { authorization: "bEaReR  bearer " }, query: {} })).toEqual({
      token: "bearer",
      source: "bearer",
    });
  });
});
