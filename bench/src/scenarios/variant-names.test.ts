import { describe, expect, it } from "vitest";
import { parseOptions } from "../options.js";
import {
  ALL_VARIANTS,
  baselineOf,
  OPT_IN_VARIANTS,
  SDK_VARIANTS,
  selectedVariants,
  sidecarOf,
  VARIANTS,
} from "./variant-names.js";

describe("variant names", () => {
  it("runs the seven goal-bearing variants by default and the http-adapter SDK arm only when named", () => {
    expect(selectedVariants([])).toEqual([...VARIANTS]);
    expect(selectedVariants([])).not.toContain("sdk-axios-http");
    expect(OPT_IN_VARIANTS).toEqual(["sdk-axios-http"]);
    expect(ALL_VARIANTS).toEqual([...VARIANTS.slice(0, 3), "sdk-axios-http", ...VARIANTS.slice(3)]);
    // Named, it comes with its baseline (direct: an axios app on the http adapter), beside the SDK arm it mirrors.
    expect(selectedVariants(["sdk", "sdk-axios-http", "haproxy-http"])).toEqual([
      "direct",
      "sdk",
      "sdk-axios-http",
      "haproxy-http",
    ]);
    expect(() => selectedVariants(["sdk-http"])).toThrow(
      /unknown variant sdk-http; the variants are direct, .*sdk-axios-http/,
    );
  });

  it("pairs the axios SDK with the axios app's sidecar over direct axios, and undici with undici", () => {
    expect(SDK_VARIANTS).toEqual(["sdk", "sdk-undici"]);
    expect([sidecarOf("sdk"), baselineOf("sdk"), baselineOf("haproxy-http")]).toEqual([
      "haproxy-http",
      "direct",
      "direct",
    ]);
    expect([sidecarOf("sdk-undici"), baselineOf("sdk-undici"), baselineOf("haproxy-http-undici")]).toEqual([
      "haproxy-http-undici",
      "direct-undici",
      "direct-undici",
    ]);
    expect(baselineOf("sdk-axios-http")).toBe("direct");
  });

  it("takes the opt-in arm into a run through --variants, with its baseline", () => {
    expect(parseOptions(["--quick"]).variants).toEqual([]);
    expect(parseOptions(["--quick", "--variants=sdk-axios-http,sdk"]).variants).toEqual([
      "direct",
      "sdk",
      "sdk-axios-http",
    ]);
  });
});
