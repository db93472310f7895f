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
