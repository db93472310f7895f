import { channel } from "node:diagnostics_channel";
import { describeCall } from "@outrigger/core";
import { afterEach, describe, expect, it } from "vitest";
import { CHANNEL } from "./channel-names.js";
import { FleetFigures } from "./fleet-figures.js";
import { subscribeAll } from "./subscriptions.js";

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("FleetFigures (time given by the test)", () => {
  it("times a call from the start its message carries (CallMessage.startedAt), with no map of its own", () => {
    let now = 10_000;
    const figures = new FleetFigures(() => now);
    stop = subscribeAll(figures.listeners());
    const context = describeCall({ method: "GET", service: "orders" });
    // The figures subscribed after this call started: only its message knows when.
    const call = { service: "orders", method: "GET", path: "/", context, startedAt: now - 500 };
    now += 1;
    channel(CHANNEL.callEnd).publish({ call, status: 200, error: undefined });
    const [orders] = figures.snapshot();
    expect(orders).toMatchObject({ service: "orders", calls: 1, errorPct: 0 });
    // Within the window's 10% buckets above the true 501 ms.
    expect(orders?.p50Ms).toBeGreaterThanOrEqual(501);
    expect(orders?.p50Ms).toBeLessThanOrEqual(501 * 1.1);
  });

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
