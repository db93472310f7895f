import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BenchProcess } from "../proc/child.js";
import { nowMs, type RunOutcome, type RunRequest } from "./run.js";

/** A loopback server that records when each request arrived. */
async function recorder(): Promise<{ server: Server; url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  const server = createServer((request, response) => {
    arrivals.push(nowMs());
    request.resume();
    response.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, arrivals };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe("load generator (a real generator process)", () => {
  let generator: BenchProcess;
  beforeAll(async () => {
    // `--import tsx` from the repository root, where the tests run (startScript resolves it with import.meta.resolve,
    // which vitest's module runner does not offer).
    const script = fileURLToPath(new URL("./generator.ts", import.meta.url));
    generator = new BenchProcess("generator", process.execPath, ["--import", "tsx", script]);
    await generator.waitFor((m) => m.event === "ready");
  });
  afterAll(async () => {
    await generator.kill("SIGTERM");
  });

  it("sends the rate to each URL of a run, the second's schedule half a period after the first's", async () => {
    const [a, b] = await Promise.all([recorder(), recorder()]);
    try {
      const request: RunRequest = {
        urls: [a.url, b.url],
        ratePerSec: 20, // one request every 50 ms to each: the second's 25 ms after the first's
        warmupMs: 200,
        durationMs: 1_000,
        startAt: nowMs() + 100,
        bucketMs: 100,
      };
      const reply = await generator.request({ cmd: "run", ...request });
      const outcomes = reply.outcomes as RunOutcome[];
      expect(outcomes.map((o) => [o.sent, o.ok, o.errors])).toEqual([
        [20, 20, 0],
        [20, 20, 0],
      ]);
      expect(a.arrivals).toHaveLength(24);
      expect(b.arrivals).toHaveLength(24);
      // The median shift, not each one: a stall of the shared machine may send a few late (and so together).
      const shifts = a.arrivals.map((at, i) => (b.arrivals[i] as number) - at);
      expect(median(shifts)).toBeGreaterThan(25 - 12.5);
      expect(median(shifts)).toBeLessThan(25 + 12.5);
    } finally {
      for (const { server } of [a, b]) {
        server.closeAllConnections();
        server.close();
      }
    }
  });
});
