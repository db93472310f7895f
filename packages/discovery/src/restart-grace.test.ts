import { afterEach, describe, expect, it, vi } from "vitest";
import { RestartGrace } from "./restart-grace.js";
import type { ServiceInstance } from "./service-instance.js";

const instance = (id: string): ServiceInstance => ({
  id,
  service: "s",
  host: "127.0.0.1",
  port: 1,
  secure: false,
  status: "UP",
  metadata: {},
});
const idsOf = (list: readonly ServiceInstance[]) => list.map((i) => i.id);

describe("RestartGrace", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps the pre-restart instances beside the ones back until the grace ends, then publishes the registry's word", () => {
    vi.useFakeTimers();
    const published: string[][] = [];
    const grace = new RestartGrace(1_000, (list) => published.push(idsOf(list)));
    expect(idsOf(grace.apply([instance("a"), instance("b")]))).toEqual(["a", "b"]);

    grace.restarted();
    expect(idsOf(grace.apply([]))).toEqual(["a", "b"]); // the restarted registry is empty at first
    expect(idsOf(grace.apply([instance("b"), instance("c")]))).toEqual(["a", "b", "c"]);
    grace.restarted(); // a second reset during the grace does not forget what was known before the first
    expect(idsOf(grace.apply([instance("c")]))).toEqual(["a", "b", "c"]);
    vi.advanceTimersByTime(999);
    expect(published).toEqual([]);

    vi.advanceTimersByTime(1);
    expect(published).toEqual([["c"]]);
    expect(idsOf(grace.apply([instance("d")]))).toEqual(["d"]);
  });

  it("does nothing with a grace of 0, and close() stops a running grace", () => {
    vi.useFakeTimers();
    const published: string[][] = [];
    const off = new RestartGrace(0, (list) => published.push(idsOf(list)));
    off.apply([instance("a")]);
    off.restarted();
    expect(idsOf(off.apply([]))).toEqual([]);

    const closed = new RestartGrace(1_000, (list) => published.push(idsOf(list)));
    closed.apply([instance("a")]);
    closed.restarted();
    closed.close();
    vi.advanceTimersByTime(5_000);
    expect(published).toEqual([]);
  });
});
