// A separate process sharing one Redis-backed limit: started by rate-limit-redis.test.ts.
// argv: <redis port> <points per second> <pace ms> <run ms>. Prints {"ready":true}, waits for "go" on stdin, then
// calls acquire() every <pace ms> for <run ms> and prints {"admitted":[window end, ...]} (one entry per admitted call).
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { createRateLimiter } from "./rate-limiter.js";

const [port, points, paceMs, runMs] = process.argv.slice(2).map(Number) as [number, number, number, number];
const redis = new Redis({ port, host: "127.0.0.1", enableOfflineQueue: true });
// A generous store timeout: this process measures how exactly Redis shares the limit, and on a loaded test machine a
// 25 ms answer can come late, which would let the per-process insurance admit a few extra calls.
const limiter = createRateLimiter({ points, redis, keyPrefix: "shared", storeTimeoutMs: 1_000 });
await redis.ping();
console.log(JSON.stringify({ ready: true }));
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;
const admitted: number[] = [];
const stopAt = Date.now() + runMs;
while (Date.now() < stopAt) {
  const admission = await limiter.acquire("service-x");
  if (admission.allowed) admitted.push(Date.now() + admission.resetMs);
  await new Promise((resolve) => setTimeout(resolve, paceMs));
}
console.log(JSON.stringify({ admitted }));
redis.disconnect();
process.exit(0);
