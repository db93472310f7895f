import { describeCall } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { composePolicies } from "./compose.js";
import { createRateLimitPolicy } from "./rate-limit-policy.js";
import { createRateLimiter } from "./rate-limiter.js";
import { createRetryPolicy } from "./retry.js";

// The HTTP middleware over this engine (429 + Retry-After for node:http, express and fastify) is @outrigger/node's
// createInbound({ rateLimit: { limiter, key } }); its tests are there (packages/node/src/inbound/).

// A 60 s window: nothing expires during the test, so the verdicts are exact.
const limiterOf = (points: number) => createRateLimiter({ points, durationMs: 60_000 });

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
