import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CheckRunner } from "./check-runner.js";
import type { CheckDefinition } from "./definition.js";
import { parseServiceDefinition } from "./definition.js";

const HOUR = 3_600_000;

function runner(check: Record<string, unknown>, reap = vi.fn()): CheckRunner {
  const def = parseServiceDefinition({ Name: "x", Check: check }, "127.0.0.1").checks[0] as CheckDefinition;
  return new CheckRunner(def, "x", { changed: () => undefined, reap });
}

describe("check timers past setTimeout's 2^31-1 ms limit (fake clock)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });
  afterEach(() => vi.useRealTimers());

  it("a 600h TTL stays passing for 600 hours, not 1 ms (issue 15)", () => {
    const check = runner({ TTL: "600h", Status: "passing" });
    vi.advanceTimersByTime(1_000);
    expect(check.status).toBe("passing");
    vi.advanceTimersByTime(600 * HOUR - 2_000);
    expect(check.status).toBe("passing");
    vi.advanceTimersByTime(2_000);
    expect(check.status).toBe("critical");
    check.close();
  });

  it("a 600h deregister-after reaps after 600 hours of critical, not at once", () => {
    const reap = vi.fn();
    const check = runner({ TTL: "1s", DeregisterCriticalServiceAfter: "600h" }, reap);
    vi.advanceTimersByTime(10 * HOUR);
    expect(reap).not.toHaveBeenCalled();
    vi.advanceTimersByTime(590 * HOUR);
    expect(reap).toHaveBeenCalledTimes(1);
    check.close();
  });

  it("a 1s deregister-after waits Consul's one-minute minimum", () => {
    const reap = vi.fn();
    const check = runner({ TTL: "1s", DeregisterCriticalServiceAfter: "1s" }, reap);
    vi.advanceTimersByTime(59_000);
    expect(reap).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(reap).toHaveBeenCalledTimes(1);
    check.close();
  });

  it("caps a TTL update's output at 4 KiB", () => {
    const check = runner({ TTL: "10s" });
    check.update("passing", "y".repeat(1_000_000));
    expect(check.output.length).toBeLessThan(4_200);
    check.close();
  });
});
