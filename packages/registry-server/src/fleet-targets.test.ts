import { describe, expect, it } from "vitest";
import { registerProcess } from "./fleet-fixtures.js";
import { fleetTargets } from "./fleet-targets.js";
import { Registry } from "./registry.js";

describe("fleetTargets", () => {
  it("lists processes advertising `<port><path>` at their own registered address, in key order, up to the cap", () => {
    const registry = new Registry();
    registerProcess(registry, "checkout", "c-2", "9102/outrigger/fleet");
    registerProcess(registry, "checkout", "c-1", "9101/outrigger/fleet");
    registerProcess(registry, "stock", "s-1");
    expect(fleetTargets(registry, 10)).toEqual({
      targets: [
        { key: "CHECKOUT/c-1", caller: "CHECKOUT", instanceId: "c-1", url: "http://127.0.0.1:9101/outrigger/fleet" },
        { key: "CHECKOUT/c-2", caller: "CHECKOUT", instanceId: "c-2", url: "http://127.0.0.1:9102/outrigger/fleet" },
      ],
      skipped: 0,
    });
    expect(fleetTargets(registry, 1)).toMatchObject({ targets: [{ key: "CHECKOUT/c-1" }], skipped: 1 });
  });

  it("skips a value that would point anywhere but a path on the process's own address", () => {
    const registry = new Registry();
    const hostile = ["@evil.example/x", "80@evil.example/", "0/x", "70000/x", "8080", "8080/x y", "8080/x?y", "x/8080"];
    for (const [i, value] of hostile.entries()) registerProcess(registry, "bad", `b-${i}`, value);
    expect(fleetTargets(registry, 64)).toEqual({ targets: [], skipped: hostile.length });
  });
});
