import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeCall } from "@outrigger/core";
import express from "express";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { composePolicies } from "./compose.js";
import { createExpressRateLimit, createFastifyRateLimit, createHttpRateLimit } from "./inbound-rate-limit.js";
import { createRateLimitPolicy } from "./rate-limit-policy.js";
import { createRateLimiter } from "./rate-limiter.js";
import { createRetryPolicy } from "./retry.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Sends `n` requests one after another; returns their statuses and the first Retry-After seen. */
async function hammer(url: string, n: number) {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < n; i++) {
    const res = await fetch(url);
    statuses.push(res.status);
    if (res.status === 429) {
      retryAfter ??= res.headers.get("retry-after");
      expect(await res.json()).toMatchObject({ code: "RESILIENCE_RATE_LIMITED" });
    } else await res.text();
  }
  return { statuses, retryAfter };
}

// A 60 s window: nothing expires during the test, so the verdicts are exact.
const limiterOf = (points: number) => createRateLimiter({ points, durationMs: 60_000 });

describe("inbound rate limiting answers 429 with Retry-After", () => {
  it("node:http", async () => {
    const limit = createHttpRateLimit({ limiter: limiterOf(3) });
    const url = await listen(
      createServer(async (req, res) => {
        if (await limit(req, res)) res.end("ok");
      }),
    );
    const { statuses, retryAfter } = await hammer(url, 5);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(50);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it("express", async () => {
    const app = express();
    app.use(createExpressRateLimit({ limiter: limiterOf(2) }));
    app.get("/", (_req, res) => {
      res.send("ok");
    });
    const url = await listen(createServer(app));
    const { statuses, retryAfter } = await hammer(url, 3);
    expect(statuses).toEqual([200, 200, 429]);
    expect(retryAfter).not.toBeNull();
  });

  it("fastify", async () => {
    const app = Fastify();
    app.addHook("onRequest", createFastifyRateLimit({ limiter: limiterOf(2) }));
    app.get("/", async () => "ok");
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
      const { statuses, retryAfter } = await hammer(url, 3);
      expect(statuses).toEqual([200, 200, 429]);
      expect(retryAfter).not.toBeNull();
    } finally {
      await app.close();
    }
  });
});

describe("outbound rate limit policy", () => {
  it("rejects the excess with RESILIENCE_RATE_LIMITED and retryAfterMs, and retry never retries it", async () => {
    const limit = createRateLimitPolicy({ limiter: limiterOf(2), key: "payments" });
    const rejected: unknown[] = [];
    limit.onRejected((e) => rejected.push(e.key));
    const pipeline = composePolicies(createRetryPolicy({ maxAttempts: 5, initialDelayMs: 0 }), limit);
    let calls = 0;
    const call = () => pipeline.execute(() => ++calls, undefined, describeCall({ method: "GET" }));
    await call();
    await call();
    const error = await call().catch((e) => e);
    expect(error).toMatchObject({ code: "RESILIENCE_RATE_LIMITED" });
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    expect(calls).toBe(2);
    expect(rejected).toEqual(["payments"]);
  });

  it("keeps separate keys apart", async () => {
    const limiter = limiterOf(1);
    expect(await limiter.acquire("a")).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.acquire("b")).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.acquire("a")).allowed).toBe(false);
  });
});
