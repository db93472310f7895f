import { describe, expect, it } from "vitest";
import { instanceUrl, isLbUrl, parseLbUrl } from "./lb-url.js";
import { instance } from "./test-support.js";

describe("lb:// URLs", () => {
  it.each([
    ["lb://hello", { service: "hello", path: "/" }],
    ["lb://Hello/a/b?x=1", { service: "hello", path: "/a/b?x=1" }],
    ["lb://hello?x=1", { service: "hello", path: "/?x=1" }],
    // RFC 3986 §3.1: schemes are case-insensitive. Service names are lower-cased (Eureka upper-cases app names).
    ["LB://ORDERS/v1", { service: "orders", path: "/v1" }],
    ["Lb://orders-v2.eu_1/x", { service: "orders-v2.eu_1", path: "/x" }],
  ])("parses %s", (url, expected) => {
    expect(isLbUrl(url)).toBe(true);
    expect(parseLbUrl(url)).toEqual(expected);
  });

  it("refuses a URL with no service, with LB_INVALID_URL", () => {
    expect(() => parseLbUrl("lb:///path")).toThrow(expect.objectContaining({ code: "LB_INVALID_URL" }));
    expect(isLbUrl("http://x/")).toBe(false);
  });

  it("refuses a port in the service name: each instance's port comes from discovery", () => {
    expect(() => parseLbUrl("lb://orders:8080/x")).toThrow(
      expect.objectContaining({ code: "LB_INVALID_URL", message: expect.stringContaining("port") }),
    );
  });

  it("refuses userinfo, and the error never shows the secret", () => {
    let message = "";
    try {
      parseLbUrl("lb://alice:s3cr3t-pw@orders/x?token=tok-123");
    } catch (error) {
      expect(error).toMatchObject({ code: "LB_INVALID_URL" });
      message = (error as Error).message;
    }
    expect(message).toContain("credentials");
    expect(message).not.toMatch(/s3cr3t-pw|alice|tok-123/);
  });
});

describe("instanceUrl", () => {
  it.each([
    ["127.0.0.1", false, "http://127.0.0.1:8080/a?b=1"],
    ["::1", false, "http://[::1]:8080/a?b=1"],
    ["[::1]", true, "https://[::1]:8080/a?b=1"],
  ])("host %s gives a valid URL", (host, secure, expected) => {
    expect(instanceUrl({ ...instance("i", "UP", 8080), host, secure }, "/a?b=1")).toBe(expected);
  });
});
