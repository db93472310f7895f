import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { runClosed } from "./closed-loop.js";
import { nowMs } from "./run.js";

describe("closed loop", () => {
  it("keeps `concurrency` requests in flight, counts completions in the window, and sends none after it", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const arrivals: number[] = [];
    const server = createServer((request, response) => {
      arrivals.push(nowMs());
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      request.resume();
      setImmediate(() => {
        inFlight -= 1;
        response.end(request.url === "/fail" ? "" : "ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const send = (url: URL): Promise<number> =>
      fetch(url).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    try {
      // One request first: fetch's first call loads undici, which on a busy machine can outlast the whole window.
      await send(new URL(`http://127.0.0.1:${port}/`));
      arrivals.length = 0;
      const startAt = nowMs();
      const request = { url: `http://127.0.0.1:${port}/`, concurrency: 4, startAt, warmupMs: 100, durationMs: 400 };
      const outcome = await runClosed(request, send);
      const windowEnd = startAt + 500;
      expect(outcome.completed).toBeGreaterThan(0);
      expect(outcome.errors).toBe(0);
      expect(maxInFlight).toBeLessThanOrEqual(4);
      // Completions in the window are a subset of what the server got; nothing left after the window closed.
      expect(outcome.completed).toBeLessThan(arrivals.length);
      expect(arrivals.filter((t) => t >= windowEnd + 50)).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
