import Bottleneck from "bottleneck";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { RedisFixture } from "./redis-fixture.js";
import { createThrottle, type Throttle } from "./throttle.js";

/** bottleneck's disconnect waits on a timer of its own; let fake time run while it does. */
async function closeUnderFakeTimers(throttle: Throttle) {
  const closing = throttle.close();
  await vi.advanceTimersByTimeAsync(1_000);
  await closing;
}

describe("createThrottle (bottleneck, in memory)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("spaces job starts by minTime: jobs wait, they are not refused", async () => {
    const throttle = createThrottle({ minTime: 100 });
    const started: number[] = [];
    const t0 = Date.now();
    const jobs = [1, 2, 3].map((n) =>
      throttle.schedule(async () => {
        started.push(Date.now() - t0);
        return n;
      }),
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(await Promise.all(jobs)).toEqual([1, 2, 3]);
    expect(started[1]).toBeGreaterThanOrEqual(100);
    expect(started[2]).toBeGreaterThanOrEqual(200);
    await closeUnderFakeTimers(throttle);
  });

  it("holds jobs beyond the reservoir until it is refreshed", async () => {
    const throttle = createThrottle({ reservoir: 2, reservoirRefreshAmount: 2, reservoirRefreshInterval: 60_000 });
    let done = 0;
    const jobs = [1, 2, 3].map(() => throttle.schedule(async () => ++done));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(2);
    // bottleneck answers even this through a timer.
    const reservoir = throttle.currentReservoir();
    await vi.advanceTimersByTimeAsync(10);
    expect(await reservoir).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(jobs);
    expect(done).toBe(3);
    await closeUnderFakeTimers(throttle);
  });
});

describe("createThrottle in cluster mode (real redis-server)", () => {
  let redis: RedisFixture;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    redis = await RedisFixture.start();
  });
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    await redis?.stop();
  });

  const cluster = (id: string, extra: object = {}): Throttle => {
    const throttle = createThrottle({ redis: { host: "127.0.0.1", port: redis.port, id }, ...extra });
    open.push(throttle);
    return throttle;
  };

  it("shares one reservoir between two throttles with the same id", async () => {
    const a = cluster("quota", { reservoir: 3 });
    const b = cluster("quota", { reservoir: 3 });
    let ran = 0;
    let resolveThird: () => void = () => undefined;
    const third = new Promise<void>((resolve) => (resolveThird = resolve));
    const job = async () => {
      if (++ran === 3) resolveThird();
    };
    for (const t of [a, b, a, b]) void t.schedule(job);
    await third;
    expect(await a.currentReservoir()).toBe(0);
    expect(await b.currentReservoir()).toBe(0);
    expect(ran).toBe(3);
  });

  it("Redis 7 error prefix: plain bottleneck fails after a Redis restart; the throttle re-initialises", async () => {
    const clientOptions = { host: "127.0.0.1", port: redis.port };
    const plain = new Bottleneck({ id: "plain", datastore: "ioredis", clientOptions, clearDatastore: false });
    plain.on("error", () => undefined);
    open.push({ close: () => plain.disconnect(false) });
    const ours = cluster("ours");
    const recovered: string[] = [];
    ours.onRecovered((e) => recovered.push(e.reason));
    ours.onError(() => undefined);
    expect(await plain.schedule(async () => "before")).toBe("before");
    expect(await ours.schedule(async () => "before")).toBe("before");

    await redis.restart(); // an empty Redis: bottleneck's settings keys are gone

    await expect(plain.schedule(async () => "after")).rejects.toThrow("ERR SETTINGS_KEY_NOT_FOUND");
    expect(await ours.schedule(async () => "after")).toBe("after");
    expect(recovered).toEqual(["SETTINGS_KEY_NOT_FOUND"]);
  });
});
