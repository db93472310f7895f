import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { blockUntilChanged, consulIndex } from "./blocking.js";

const register = (registry: Registry, app: string, id: string) =>
  registry.register(
    parseRegistration(
      { instance: { instanceId: id, hostName: "h", ipAddr: "10.0.0.1", dataCenterInfo: { name: "MyOwn" } } },
      app,
      0,
    ),
  );

describe("blocking queries (fake clock)", () => {
  let registry: Registry;
  let resolved: boolean;
  const track = (promise: Promise<void>) => promise.then(() => (resolved = true));
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    registry = new Registry();
    resolved = false;
  });
  afterEach(() => vi.useRealTimers());
  const index = () => consulIndex(registry.appIndex("web"));

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
