import { describe, expect, it } from "vitest";
import { helpText, parseCliOptions } from "./cli-options.js";

describe("outrigger-registry options", () => {
  it("lists every option and its environment variable in --help", () => {
    const help = helpText();
    for (const flag of ["--port", "--host", "--lease-duration", "--eviction-interval", "--body-limit", "--log-level"]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("OUTRIGGER_REGISTRY_PORT");
    expect(parseCliOptions(["--help"], {})).toEqual({ help: true });
  });

  it("prefers flags to environment variables", () => {
    const parsed = parseCliOptions(["--port", "9000"], {
      OUTRIGGER_REGISTRY_PORT: "1",
      OUTRIGGER_REGISTRY_HOST: "::1",
    });
    expect(parsed).toEqual({ help: false, options: { port: 9000, host: "::1" } });
  });

  it("refuses a port that is not a whole number, naming the flag", () => {
    expect(() => parseCliOptions(["--port", "abc"], {})).toThrow(/--port must be a whole number/);
  });
});

describe("outrigger-registry options for replication, security and self-preservation", () => {
  it("lists the new options in --help with their environment variables", () => {
    const help = helpText();
    for (const flag of [
      "--peer",
      "--token",
      "--protect-reads",
      "--self-preservation",
      "--renewal-threshold",
      "--protection-threshold",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("OUTRIGGER_REGISTRY_TOKEN");
    expect(help).toContain("OUTRIGGER_REGISTRY_PEER");
  });

  it("reads repeated --peer flags, on/off, fractions and a flag", () => {
    const parsed = parseCliOptions(
      [
        "--peer",
        "http://a/eureka",
        "--peer",
        "http://b/eureka",
        "--self-preservation",
        "off",
        "--renewal-threshold",
        "0.5",
        "--protect-reads",
      ],
      {},
    );
    expect(parsed).toEqual({
      help: false,
      options: {
        peers: ["http://a/eureka", "http://b/eureka"],
        selfPreservation: false,
        renewalPercentThreshold: 0.5,
        protectReads: true,
      },
    });
  });

  it("takes the same settings from environment variables, peers comma-separated", () => {
    const parsed = parseCliOptions([], {
      OUTRIGGER_REGISTRY_PEER: "http://a/eureka, http://b/eureka",
      OUTRIGGER_REGISTRY_TOKEN: "s3cret",
      OUTRIGGER_REGISTRY_PROTECTION_THRESHOLD: "0.6",
    });
    expect(parsed).toEqual({
      help: false,
      options: { peers: ["http://a/eureka", "http://b/eureka"], token: "s3cret", protectionThreshold: 0.6 },
    });
  });

  it("refuses a fraction above 1 and an on/off that is neither", () => {
    expect(() => parseCliOptions(["--renewal-threshold", "85"], {})).toThrow(/between 0 and 1/);
    expect(() => parseCliOptions(["--self-preservation", "maybe"], {})).toThrow(/on or off/);
  });
});
