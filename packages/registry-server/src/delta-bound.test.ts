import { describe, expect, it } from "vitest";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { DEFAULT_MAX_DELTA_ENTRIES } from "./registry-defaults.js";
import { fakeClock, registration } from "./test-fixtures.js";

describe("the delta window is bounded by size as well as age (issue 15 item 9)", () => {
  it("keeps at most DEFAULT_MAX_DELTA_ENTRIES changes after 50 000 register/cancel pairs within Eureka's 3 minutes", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    for (let i = 0; i < 50_000; i += 1) {
      registry.register(parseRegistration(registration(`churn-${i}`, { app: "CHURN" }), "CHURN", clock.now()));
      registry.cancel("CHURN", `churn-${i}`);
    }
    registry.register(parseRegistration(registration("stays", { app: "HELLO" }), "HELLO", clock.now()));
    const window = registry.recentChanges();
    expect(window).toHaveLength(DEFAULT_MAX_DELTA_ENTRIES);
    // The newest changes are the ones kept, the last one first in line to be read.
    expect(window.at(-1)?.lease.info.instanceId).toBe("stays");
    expect(window[0]?.version).toBe(registry.version - DEFAULT_MAX_DELTA_ENTRIES + 1);
    expect(registry.size).toBe(1);
  });

  it("still drops changes by age (Eureka's retentionTimeInMSInDeltaQueue, 3 minutes) under the cap", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock, maxDeltaEntries: 5 });
    for (let i = 0; i < 3; i += 1)
      registry.register(parseRegistration(registration(`a-${i}`, { app: "A" }), "A", clock.now()));
    expect(registry.recentChanges()).toHaveLength(3);
    clock.advance(180_001);
    expect(registry.recentChanges()).toHaveLength(0);
  });
});
