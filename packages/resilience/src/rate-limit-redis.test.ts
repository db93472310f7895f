import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limiter.js";
import { RedisFixture } from "./redis-fixture.js";

const CHILD = fileURLToPath(new URL("./redis-limit-child.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));

let redis: RedisFixture;
const children: ChildProcess[] = [];
beforeAll(async () => {
  redis = await RedisFixture.start();
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await redis?.stop();
});

/** Starts one limiter process and resolves with a reader of its JSON lines once it is ready. */
async function startChild(args: number[]) {
  const child = spawn(process.execPath, ["--import", TSX, CHILD, ...args.map(String)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  lines.on("line", (line) => {
    messages.push(JSON.parse(line));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (field: string) => {
    for (;;) {
      const found = messages.find((m) => field in m);
      if (found) return found[field];
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await next("ready");
  return { child, next };
}

/** Groups window-end timestamps from all processes into windows: ends of one window differ by a few ms of latency, while consecutive windows end ≥ 1 s apart. */
function windows(ends: number[]): number[] {
  const sorted = [...ends].sort((a, b) => a - b);
  const counts: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const end of sorted) {
    if (end - last > 500) counts.push(0);
    counts[counts.length - 1] = (counts.at(-1) ?? 0) + 1;
    last = end;
  }
  return counts;
}

describe("rate limit shared through a real redis-server", () => {
  it("three processes sharing a limit of N/s admit N ± 5% per second", async () => {
    const N = 200;
    // Each process offers 2N/3 per second (every 7.5 ms → 133/s): twice the limit in all, for 2.5 s.
    const procs = await Promise.all([0, 1, 2].map(() => startChild([redis.port, N, 7.5, 2_500])));
    for (const p of procs) p.child.stdin?.write("go\n");
    const admitted = (await Promise.all(procs.map((p) => p.next("admitted")))) as number[][];
    const perProcess = admitted.map((a) => a.length);
    const perWindow = windows(admitted.flat());
    // Printed so the figures can be quoted; the assertions below are what the test checks.
    console.log(`shared limit ${N}/s: per window ${perWindow.join(", ")}; per process ${perProcess.join(", ")}`);
    const full = perWindow.slice(0, -1); // the last window may be cut short by the end of the run
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const count of full) {
      expect(count).toBeGreaterThanOrEqual(N * 0.95);
      expect(count).toBeLessThanOrEqual(N * 1.05);
    }
    expect(perWindow.at(-1)).toBeLessThanOrEqual(N * 1.05);
    // The limit is shared, not per process: every process got some of it, none got it all.
    for (const count of perProcess) expect(count).toBeGreaterThan(0);
  }, 30_000);

  it("survives Redis restarting: answers from memory meanwhile, then uses Redis again", async () => {
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    const probe = () => new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
    const limiter = createRateLimiter({ points: 1_000, redis: client, keyPrefix: "restart" });
    const storeErrors: Error[] = [];
    limiter.onStoreError((e) => storeErrors.push(e));
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      await client.ping();
      expect(await limiter.acquire("k")).toMatchObject({ allowed: true, remaining: 999 });

      const closed = once(client, "close");
      await redis.stop();
      await closed;
      // Redis is gone: the in-memory insurance limiter answers, nothing throws.
      for (let i = 0; i < 5; i++) expect((await limiter.acquire("k")).allowed).toBe(true);

      const ready = once(client, "ready");
      await redis.restart();
      await ready;
      expect(await limiter.acquire("k")).toMatchObject({ allowed: true, remaining: 999 });
      // The count lives in the new Redis again.
      const check = probe();
      expect(await check.exists("restart:k")).toBe(1);
      check.disconnect();
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      client.disconnect();
    }
  }, 30_000);
});
