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

  it("redacts the OpenTelemetry default keys (url.full/url.query notes): SigV4, SigV2, GCS and Azure SAS", () => {
    const sigV4 =
      "http://10.0.0.5:9000/bucket/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z" +
      "&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE&X-Amz-SignedHeaders=host&X-Amz-Signature=7d3f1c2b9a";
    expect(redactUrl(sigV4)).toBe(
      "http://10.0.0.5:9000/bucket/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED" +
        "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=host" +
        "&X-Amz-Signature=REDACTED",
    );
    expect(redactUrl("http://h/legacy?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=zzz")).toBe(
      "http://h/legacy?AWSAccessKeyId=REDACTED&Expires=1&Signature=REDACTED",
    );
    expect(
      redactUrl("http://h/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=svc%40p.iam&X-Goog-Signature=abc1"),
    ).toBe("http://h/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=REDACTED&X-Goog-Signature=REDACTED");
    expect(redactUrl("http://h/blob?sv=2021&sig=azuresecret&se=2024")).toBe(
      "http://h/blob?sv=2021&sig=REDACTED&se=2024",
    );
  });

  it("matches keys whatever their case, and percent-encoded; keeps the key as written", () => {
    expect(redactUrl("http://h/a?x-amz-signature=s1&X-AMZ-CREDENTIAL=c1&awsaccesskeyid=k1&SIG=s2")).toBe(
      "http://h/a?x-amz-signature=REDACTED&X-AMZ-CREDENTIAL=REDACTED&awsaccesskeyid=REDACTED&SIG=REDACTED",
    );
    expect(redactUrl("http://h/a?X%2DAmz%2DSignature=s1&x%2damz%2dsecurity%2dtoken=t1&%73%69%67=s2&k=v")).toBe(
      "http://h/a?X%2DAmz%2DSignature=REDACTED&x%2damz%2dsecurity%2dtoken=REDACTED&%73%69%67=REDACTED&k=v",
    );
    expect(redactSecrets("GET /b/o?X-Goog-Signature=abc123def&x=1: 403 expired")).toBe(
      "GET /b/o?X-Goog-Signature=REDACTED&x=1: 403 expired",
    );
  });

  it("changes nothing but the values: no other key, not the fragment, not a key that only contains a listed one", () => {
    const plain =
      "http://h/a?keyboard=1&monkey=2&signature_version=4&X-Amz-Signature-Version=2&X-Amz-SignedHeaders=host" +
      "&mysig=3&sigma=4&tokens=5&X-Goog-Signatures=6&Signature%3D=7#sig=8";
    expect(redactUrl(plain)).toBe(plain);
    expect(redactUrl("http://h/a?sig=&X-Amz-Signature=v#frag")).toBe(
      "http://h/a?sig=REDACTED&X-Amz-Signature=REDACTED#frag",
    );
    const once = redactUrl("http://h/a?X%2DAmz%2DSignature=s1&next=/b?sig=s2");
    expect(once).toBe("http://h/a?X%2DAmz%2DSignature=REDACTED&next=/b?sig=REDACTED");
    expect(redactUrl(once)).toBe(once);
  });

  it("leaves text without secrets alone", () => {
    expect(redactSecrets("connect ECONNREFUSED 127.0.0.1:9")).toBe("connect ECONNREFUSED 127.0.0.1:9");
  });
});
