// Rules: hashicorp/consul agent/http.go `parseWait` — `?wait=` is read with Go's `time.ParseDuration` (a number needs
// a unit; `1m30s` is one duration) and a bad one is 400 "Invalid wait time"; agent/consul/rpc.go caps the hold at
// `maxQueryTime` (10 minutes) and holds `defaultQueryTime` when none is named. The Outrigger watch reads its `wait`
// with the same parser and the same cap. Before: the watch refused `wait=1m30s` and took `wait=30` as 30 s, the
// opposite of the Consul routes, and capped at 5 minutes where Consul caps at 10.
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "./app.js";
import { blockingHoldMs } from "./consul/duration.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";
import { MAX_WAIT_MS, readWaitMs } from "./wait-time.js";
import { parseWait } from "./watch.js";

describe("one wait parser for every long poll (Consul's parseWait)", () => {
  it("reads Go durations only, and caps them at Consul's 10 minutes", () => {
    expect(readWaitMs("30s", 1)).toBe(30_000);
    expect(readWaitMs("1m30s", 1)).toBe(90_000);
    expect(readWaitMs("250ms", 1)).toBe(250);
    expect(readWaitMs("1.5s", 1)).toBe(1_500);
    expect(readWaitMs("20m", 1)).toBe(MAX_WAIT_MS);
    expect(MAX_WAIT_MS).toBe(600_000);
    expect(readWaitMs("0", 7)).toBe(7);
    expect(readWaitMs(undefined, 7)).toBe(7);
    expect(readWaitMs("-5s", 7)).toBe(0);
    for (const bad of ["30", "soon", "5 s", "1d", "s", "1e3s"])
      expect([bad, readWaitMs(bad, 1)]).toEqual([bad, undefined]);
    // The two routes' readers are this one, with their own default hold.
    expect(parseWait("1m30s")).toBe(90_000);
    expect(parseWait("30")).toBeUndefined();
    expect(parseWait(undefined)).toBe(30_000);
    expect(blockingHoldMs("20m", () => 0)).toBe(MAX_WAIT_MS);
    expect(blockingHoldMs(undefined, () => 0)).toBe(300_000);
  });
});

describe("both routes over real HTTP: the same waits are taken and refused", () => {
  const registry = new Registry();
  const app = buildApp({ registry });
  let base = "";
  beforeAll(async () => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    registry.register(parseRegistration(registration("w-1", { app: "WAITED" }), "WAITED", Date.now()));
  });
  afterAll(() => app.close());

  // Without an index both answer at once, so each answer says only whether its wait was taken.
  it.each([
    ["1m30s", 200, 200],
    ["250ms", 200, 200],
    ["30", 400, 400],
    ["soon", 400, 400],
  ])("wait=%s: the Outrigger watch answers %i, the Consul health route %i", async (wait, watchStatus, consulStatus) => {
    const watch = await fetch(`${base}/outrigger/watch/apps/WAITED?wait=${wait}`);
    const body = await watch.text();
    expect([watch.status, watch.status === 400 ? body.includes("1m30s") : true]).toEqual([watchStatus, true]);
    const consul = await fetch(`${base}/v1/health/service/waited?wait=${wait}`);
    expect([consul.status, consul.status === 400 ? await consul.text() : "ok"]).toEqual([
      consulStatus,
      consulStatus === 400 ? "Invalid wait time" : "ok",
    ]);
  });
});

describe("the Outrigger watch holds at most the shared cap (fake clock)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a 20m wait is answered after 10 minutes, not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const registry = new Registry();
    const app = buildApp({ registry });
    const first = await app.inject({ method: "GET", url: "/outrigger/watch/apps/CAPPED" });
    const index = first.headers["x-outrigger-index"];
    let answered = false;
    const held = app
      .inject({ method: "GET", url: `/outrigger/watch/apps/CAPPED?index=${index}&wait=20m` })
      .then((res) => {
        answered = true;
        return res;
      });
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect((await held).statusCode).toBe(200);
    await app.close();
  });
});
