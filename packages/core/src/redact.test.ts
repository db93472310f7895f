import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl } from "./redact.js";

describe("redaction", () => {
  it("replaces URL userinfo, as OpenTelemetry redacts url.full", () => {
    expect(redactUrl("http://alice:s3cret@10.0.0.1:8761/eureka/apps")).toBe(
      "http://REDACTED:REDACTED@10.0.0.1:8761/eureka/apps",
    );
    expect(redactUrl("lb://svc-user@orders/x")).toBe("lb://REDACTED:REDACTED@orders/x");
  });

  it("replaces secret query parameters and auth headers in any text", () => {
    const text = "GET /v1/health/service/x?index=3&token=abc123 failed; Authorization: Bearer eyJhbGciOi.x.y";
    const out = redactSecrets(text);
    expect(out).not.toContain("abc123");
    expect(out).not.toContain("eyJhbGciOi");
    expect(out).toContain("index=3");
    expect(redactSecrets(out)).toBe(out);
  });

  it("leaves text without secrets alone", () => {
    expect(redactSecrets("connect ECONNREFUSED 127.0.0.1:9")).toBe("connect ECONNREFUSED 127.0.0.1:9");
  });
});
