import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { blockUntilChanged } from "./blocking.js";

const register = (registry: Registry, app: string, id: string) =>
  registry.register(
    parseRegistration(
      { instance: { instanceId: id, app, hostName: "h", ipAddr: "10.0.0.1", dataCenterInfo: { name: "MyOwn" } } },
      app,
      0,
    ),
  );

describe("blocking queries (fake clock)", () => {
  let registry: Registry;
  let resolved: boolean;
  const track = (promise: Promise<void>) => promise.then(() => (resolved = true));
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    registry = new Registry();
    resolved = false;
  });
  afterEach(() => vi.useRealTimers());
  // The index of one service: 1 before it changed, more after (see consul-index.ts).
  const index = () => 1 + registry.appIndex("web");

  it("holds for the wait plus its jitter (up to wait/16), not a moment less", async () => {
    track(blockUntilChanged(registry, index, { index: "1", wait: "16s" }, () => 1, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(16_999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);
  });

  it("holds 5 minutes without a wait, 10 minutes at most, and answers at once for index 0 or a stale index", async () => {
    track(blockUntilChanged(registry, index, { index: "1" }, () => 0, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(299_999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);

    resolved = false;
    track(blockUntilChanged(registry, index, { index: "1", wait: "1h" }, () => 0, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(599_999);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);

    await blockUntilChanged(registry, index, { index: "0", wait: "1m" }, () => 0, new AbortController().signal);
    await blockUntilChanged(registry, index, { index: "99", wait: "1m" }, () => 0, new AbortController().signal);
    await blockUntilChanged(registry, index, {}, () => 0, new AbortController().signal);
  });

  it("wakes a query held at index 1 on the very first write of a fresh registry", async () => {
    expect(index()).toBe(1);
    track(blockUntilChanged(registry, index, { index: "1", wait: "1m" }, () => 0, new AbortController().signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(false);
    register(registry, "web", "a");
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
    expect(index()).toBe(2);
  });

  it("reads wait as a Go duration, as Consul's parseWait: no unit or garbage is 400 Invalid wait time", () => {
    const at = (wait: string, i = "1") =>
      blockUntilChanged(registry, index, { index: i, wait }, () => 0, new AbortController().signal);
    for (const bad of ["30", "abc", "5 s", "1d", "s"]) {
      expect(() => at(bad)).toThrow("Invalid wait time");
      expect(() => at(bad, "")).toThrow("Invalid wait time"); // checked even when the query does not block
    }
    expect(() => at("1s", "x")).toThrow("Invalid index");
    // strconv.ParseUint(idx, 10, 64): one past uint64's maximum is refused, the maximum itself is an index.
    expect(() => at("1s", "18446744073709551616")).toThrow("Invalid index");
    expect(() => at("1s", "-1")).toThrow("Invalid index");
    void at("0", "18446744073709551615");
    for (const good of ["0", "1.5s", "1m30s", "250ms", "2h", "+3s", ".5s", "1µs"]) void at(good, "0");
  });

  it("wakes on a change to its own result only, and when the client leaves", async () => {
    track(blockUntilChanged(registry, index, { index: "1", wait: "1m" }, () => 0, new AbortController().signal));
    register(registry, "other", "x");
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(false);
    register(registry, "web", "a");
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);

    resolved = false;
    const left = new AbortController();
    track(blockUntilChanged(registry, index, { index: String(index()), wait: "1m" }, () => 0, left.signal));
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(false);
    left.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(resolved).toBe(true);
  });
});
