import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTimeoutPolicy } from "./timeout.js";

// createTimeoutPolicy({ expireAfterIo: true }) as a user's own test drives it: fake timers, tiny and invalid ms,
// and a stalled loop (packages/core/src/deadline-queue.ts does the after-I/O expiry).

afterEach(() => {
  vi.useRealTimers();
});

const never = () => new Promise<never>(() => {});

describe("createTimeoutPolicy({ expireAfterIo: true }) against a user's test and a stalled loop", () => {
  for (const toFake of [undefined, ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "performance"]]) {
    it(`under vi.useFakeTimers(${toFake ? "{ toFake: […, performance] }" : ""}): advancing ms rejects with RESILIENCE_TIMEOUT, not before`, async () => {
      vi.useFakeTimers(toFake ? { toFake: toFake as never } : undefined);
      const policy = createTimeoutPolicy({ ms: 100, expireAfterIo: true });
      let settled: { code?: string } | undefined;
      policy.execute(never).catch((error: { code?: string }) => {
        settled = error;
      });
      await vi.advanceTimersByTimeAsync(99);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled?.code).toBe("RESILIENCE_TIMEOUT");
    });
  }

  it("ms 0, -1, NaN and 2^31 are refused with RESILIENCE_INVALID_OPTION; 1 ms times out", async () => {
    for (const ms of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => createTimeoutPolicy({ ms, expireAfterIo: true })).toThrow(
        expect.objectContaining({ code: "RESILIENCE_INVALID_OPTION" }),
      );
    }
    await expect(createTimeoutPolicy({ ms: 1, expireAfterIo: true }).execute(never)).rejects.toMatchObject({
      code: "RESILIENCE_TIMEOUT",
    });
  });

  it("a stalled loop: an answer already in the socket buffer wins; a call still pending times out after the stall", async () => {
    // A real loopback socket: the server writes before the loop stalls, so the answer sits in the client's receive
    // buffer while the 20 ms timers run 100 ms late (Node runs due timers before it reads sockets).
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    const [side] = (await once(server, "connection")) as [Socket];
    await once(client, "connect");
    const policy = createTimeoutPolicy({ ms: 20, expireAfterIo: true });
    const answered = policy.execute(() => once(client, "data").then(([data]) => String(data)));
    const pending = policy.execute(never);
    side.write("answer");
    const until = performance.now() + 100;
    while (performance.now() < until) {}
    await expect(answered).resolves.toBe("answer");
    await expect(pending).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    client.destroy();
    side.destroy();
    server.close();
  });
});
