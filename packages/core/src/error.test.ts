import { describe, expect, it } from "vitest";
import { errorGuard, isOutriggerError, OutriggerError } from "./error.js";

class DemoError extends OutriggerError<"DEMO_BROKEN"> {
  override readonly name = "DemoError";
}
const isDemoError = errorGuard<DemoError>("DemoError");

describe("OutriggerError", () => {
  it("carries a code, a cause and a retry hint", () => {
    const cause = new Error("root");
    const error = new DemoError("DEMO_BROKEN", "broken", { cause, retryAfterMs: 5 });
    expect(error.code).toBe("DEMO_BROKEN");
    expect(error.cause).toBe(cause);
    expect(error.retryAfterMs).toBe(5);
    expect(error).toBeInstanceOf(Error);
  });

  it("is recognised across copies of a package by brand and name, not instanceof", () => {
    // A structural twin, as a second copy of the package would build it.
    const twin = Object.assign(new Error("x"), { name: "DemoError", code: "DEMO_BROKEN" });
    (twin as unknown as Record<symbol, unknown>)[Symbol.for("outrigger.error")] = true;
    expect(isDemoError(twin)).toBe(true);
    expect(isOutriggerError(twin, "DEMO_")).toBe(true);
    expect(isOutriggerError(twin, "LB_")).toBe(false);
    expect(isDemoError(new Error("plain"))).toBe(false);
    expect(isDemoError(null)).toBe(false);
  });
});
