import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeCall } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRetryPolicy } from "./retry.js";
import { RetryBudget } from "./retry-budget.js";
import { HttpStatusError } from "./retryable.js";

// A dependency that fails every request with 503, counting what reaches it.
let server: Server;
let url: string;
let upstream = 0;
beforeAll(async () => {
  server = createServer((_req, res) => {
    upstream++;
    res.writeHead(503).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Sends `requests` GETs through a 3-attempt retry, 50 at a time; the budget's clock advances `msPerRequest` per
 * request (the offered rate), so the scenario's rate does not depend on how fast this machine is.
 */
async function storm(requests: number, budget?: RetryBudget, clock?: { t: number }) {
  upstream = 0;
  const retry = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0, ...(budget ? { budget } : {}) });
  const attempt = async ({ signal }: { signal: AbortSignal }) => {
    const res = await fetch(url, { signal });
    await res.arrayBuffer();
    if (res.status >= 400) throw new HttpStatusError(res.status);
  };
  for (let sent = 0; sent < requests; sent += 50) {
    const batch: Promise<unknown>[] = [];
    for (let i = sent; i < Math.min(requests, sent + 50); i++) {
      if (clock) clock.t += 1; // 1000 requests per second
      batch.push(retry.execute(attempt, undefined, describeCall({ method: "GET" })).catch(() => undefined));
    }
    await Promise.all(batch);
  }
  const amplification = upstream / requests;
  // Printed so the figures can be quoted; the assertions are what the test checks.
  console.log(`retry storm: ${requests} requests → ${upstream} upstream (×${amplification.toFixed(3)})`);
  return amplification;
}

describe("retry storm against a failing dependency", () => {
  it("without a budget, 3 attempts each triple the load on the sick service", async () => {
    expect(await storm(600)).toBeGreaterThanOrEqual(2.95);
  }, 60_000);

  it("with the retry budget's ratio alone (20%, no floor), amplification is at most 1.2×", async () => {
    const clock = { t: 0 };
    const budget = new RetryBudget({ minRetriesPerSec: 0, clock: { now: () => clock.t } });
    const amplification = await storm(4_000, budget, clock);
    expect(amplification).toBeLessThanOrEqual(1.2);
    expect(amplification).toBeGreaterThan(1.15); // retries do happen, up to the budget
  }, 60_000);

  it("with the default budget (20% + a floor of 10/s over 10 s), the floor is the only excess over 1.2×", async () => {
    const clock = { t: 0 };
    const budget = new RetryBudget({ clock: { now: () => clock.t } });
    const requests = 4_000;
    const amplification = await storm(requests, budget, clock);
    // Finagle's and Linkerd's floor comes on top of the ratio: over 4 s of traffic (inside one 10 s ttl) its
    // reserve is 10/s × 10 s = 100 retries, so at 1 000 requests/s the bound is 1.2 + 100/4 000 = 1.225×.
    expect(Math.round(amplification * requests)).toBeLessThanOrEqual(requests + 0.2 * requests + 100);
    expect(amplification).toBeGreaterThan(1.2);
  }, 60_000);
});
