// Conformance source: open-telemetry/semantic-conventions docs/http/http-spans.md — `url.full` "MUST NOT contain
// credentials passed via URL in form of https://username:password@www.example.com/"; they are replaced by
// REDACTED:REDACTED; error.type is the status code for 4xx/5xx answers, else the error's type.
import { describe, expect, it } from "vitest";
import { errorType, fullUrl, methodAttribute } from "./semconv.js";

describe("fullUrl", () => {
  it("replaces userinfo, a lone user and secret query values; leaves plain URLs as they are", () => {
    expect(fullUrl("http://alice:s3cret@10.0.0.1:8080/a?b=1")).toBe("http://REDACTED:REDACTED@10.0.0.1:8080/a?b=1");
    expect(fullUrl("http://alice@10.0.0.1/a")).toBe("http://REDACTED:REDACTED@10.0.0.1/a");
    expect(fullUrl("http://10.0.0.1/a?access_token=abc&x=2")).toBe("http://10.0.0.1/a?access_token=REDACTED&x=2");
    expect(fullUrl("http://[::1]:8080/orders/7")).toBe("http://[::1]:8080/orders/7");
  });
});

describe("errorType and methodAttribute", () => {
  it("names the status for 4xx/5xx, else the error's code or class, and nothing for a success", () => {
    expect(errorType(503, undefined)).toBe("503");
    expect(errorType(404, undefined)).toBe("404");
    expect(errorType(200, undefined)).toBeUndefined();
    expect(errorType(undefined, Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe("ECONNRESET");
    expect(errorType(undefined, new TypeError("x"))).toBe("TypeError");
    expect(errorType(undefined, new Error("x"))).toBe("_OTHER");
  });

  it("keeps the methods the convention knows and reports others as _OTHER", () => {
    expect(methodAttribute("PATCH")).toBe("PATCH");
    expect(methodAttribute("PROPFIND")).toBe("_OTHER");
  });
});
