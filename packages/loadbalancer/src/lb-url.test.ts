import { describe, expect, it } from "vitest";
import { isLbUrl, parseLbUrl } from "./lb-url.js";

describe("lb:// URLs", () => {
  it.each([
    ["lb://hello", { service: "hello", path: "/" }],
    ["lb://Hello/a/b?x=1", { service: "hello", path: "/a/b?x=1" }],
    ["lb://hello?x=1", { service: "hello", path: "/?x=1" }],
  ])("parses %s", (url, expected) => {
    expect(isLbUrl(url)).toBe(true);
    expect(parseLbUrl(url)).toEqual(expected);
  });

  it("refuses a URL with no service, with LB_INVALID_URL", () => {
    expect(() => parseLbUrl("lb:///path")).toThrow(expect.objectContaining({ code: "LB_INVALID_URL" }));
    expect(isLbUrl("http://x/")).toBe(false);
  });
});
