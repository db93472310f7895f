import { describe, expect, it } from "vitest";
import { appsHashCode } from "./eureka-codec.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { StatusCounts } from "./status-counts.js";
import { fakeClock, registration } from "./test-fixtures.js";

describe("StatusCounts", () => {
  it("keeps Eureka's apps__hashcode equal to counting every instance, through registrations, overrides, renewals and cancels", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const register = (id: string, status: string) =>
      registry.register(
        parseRegistration(registration(id, { app: `APP-${id.length}`, status }), `APP-${id.length}`, clock.now()),
      );
    register("before", "DOWN");
    const counts = new StatusCounts(registry);
    expect(counts.hashCode()).toBe("DOWN_1_");
    // A fixed pseudo-random walk: the same sequence every run.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const statuses = ["UP", "DOWN", "STARTING", "OUT_OF_SERVICE"] as const;
    for (let step = 0; step < 2_000; step += 1) {
      const id = `i-${next(40)}`;
      const app = `APP-${id.length}`;
      const op = next(5);
      if (op === 0) register(id, statuses[next(4)] as string);
      else if (op === 1) registry.setStatusOverride(app, id, statuses[next(4)] as (typeof statuses)[number]);
      else if (op === 2) registry.deleteStatusOverride(app, id, "UP");
      else if (op === 3) registry.renew(app, id, { status: statuses[next(4)] as (typeof statuses)[number] });
      else registry.cancel(app, id);
      expect(counts.hashCode(), `step ${step}`).toBe(appsHashCode(registry.applications()));
    }
    counts.close();
    register("after", "UP");
    expect(counts.hashCode()).not.toBe(appsHashCode(registry.applications()));
  });
});
