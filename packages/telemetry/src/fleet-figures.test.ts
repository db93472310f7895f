import { channel } from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { CHANNEL } from "./channel-names.js";
import { FleetFigures } from "./fleet-figures.js";
import { subscribeAll } from "./subscriptions.js";

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("FleetFigures (time given by the test)", () => {
  it("keeps at most 1 024 ejections per destination, pruning expired ones first, with no stream reading them", () => {
    let now = 0;
    const figures = new FleetFigures(() => now);
    stop = subscribeAll(figures.listeners());
    const ejection = channel(CHANNEL.ejection);
    const eject = (id: string, durationMs: number) =>
      ejection.publish({ instance: { id, service: "orders" }, reason: "consecutive-5xx", durationMs });
    for (let i = 0; i < 5_000; i++) eject(`i-${i}`, 1_000);
    expect(figures.snapshot()[0]).toMatchObject({ service: "orders", ejectedCount: 1_024 });
    expect(figures.snapshot()[0]?.ejected).toHaveLength(32);
    now = 2_000;
    for (let i = 0; i < 10; i++) eject(`j-${i}`, 1_000);
    expect(figures.snapshot()[0]?.ejectedCount).toBe(10);
  });
});
