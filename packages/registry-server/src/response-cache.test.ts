import { describe, expect, it } from "vitest";
import { gzipAccepted } from "./response-cache.js";

// Rule: RFC 9110 §12.5.3 (Accept-Encoding weights). The real-process replays (Netflix/eureka#711,
// jquatier/eureka-js-client#54) are in conformance/eureka-read-field.test.ts.
describe("gzipAccepted", () => {
  it("accepts gzip listed anywhere with a weight above 0", () => {
    for (const header of ["gzip", "deflate, gzip", "gzip;q=0.5", "br;q=1, GZIP ; q=0.001", "x-gzip", "gzip;level=1"]) {
      expect({ header, ok: gzipAccepted(header) }).toEqual({ header, ok: true });
    }
  });

  it("refuses gzip weighted 0, not listed, or only covered by *", () => {
    for (const header of ["", "gzip;q=0", "gzip; q=0.000", "identity", "deflate, br", "*", "gzipped", "nogzip"]) {
      expect({ header, ok: gzipAccepted(header) }).toEqual({ header, ok: false });
    }
  });
});
