// Every event a user can subscribe to in this package goes through @outrigger/core's isolating EventSource: a
// listener that throws on every event kind is reported (OUTRIGGER_LISTENER_FAILED warnings) and every call against a
// real loopback server ends exactly as it does with no listener. cockatiel's EventEmitter (connor4312/cockatiel
// src/common/Event.ts, `emit` calls each listener bare), which the fallback, hedge, rate limit and LivePolicy events
// used before, let the listener's error replace the call's result, escape from a hedge timer, or fail `apply()`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, describeCall } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { createBulkheadPolicy } from "./bulkhead.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { createFallbackPolicy } from "./fallback.js";
import { createHedgePolicy } from "./hedge.js";
import { LivePolicy } from "./live-policy.js";
import type { Policy } from "./policy.js";
import { createRateLimitPolicy } from "./rate-limit-policy.js";
import { createRateLimiter } from "./rate-limiter.js";
import { createRetryPolicy } from "./retry.js";
import { RetryBudget, RetryBudgets } from "./retry-budget.js";
import { HttpStatusError } from "./retryable.js";
import { createTimeoutPolicy } from "./timeout.js";

/**
 * `/ok` 200; `/down` 503; `/once/<id>` 503 the first time, then 200; `/hang` never answers; `/hold` waits for
 * `release()`; `/slow-once/<id>` answers the first request after 60 ms and later ones at once (a hedge target).
 */
class Dependency {
  readonly #seen = new Set<string>();
  readonly #held: ServerResponse[] = [];
  #arrived: Array<() => void> = [];
  server!: Server;
  base = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.#answer(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? "/";
    const first = !this.#seen.has(path);
    this.#seen.add(path);
    if (path === "/ok") response.end("ok");
    else if (path === "/down") response.writeHead(503).end();
    else if (path.startsWith("/once/")) response.writeHead(first ? 503 : 200).end(first ? "" : "ok");
    else if (path === "/hold") {
      this.#held.push(response);
      for (const arrived of this.#arrived.splice(0)) arrived();
    } else if (path.startsWith("/slow-once/")) {
      if (first) setTimeout(() => response.end("slow"), 60).unref();
      else response.end("fast");
    } else if (path !== "/hang") response.writeHead(404).end();
  }

  /** Resolves once a `/hold` request is held. */
  held(): Promise<void> {
    return this.#held.length > 0 ? Promise.resolve() : new Promise((resolve) => this.#arrived.push(resolve));
  }

  release(): void {
    for (const response of this.#held.splice(0)) response.end("released");
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const dependency = new Dependency();
beforeAll(() => dependency.start());
afterAll(() => dependency.close());

/** One GET to the loopback dependency; a 5xx is an HttpStatusError, as the HTTP clients' adapters report it. */
async function get(path: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(dependency.base + path, { signal });
  const body = await response.text();
  if (response.status >= 500) throw new HttpStatusError(response.status);
  return body;
}

/** What a call ended with, comparable across runs (no timings). */
async function outcome(policy: Policy, path: string): Promise<string> {
  try {
    return `value ${await policy.execute((c) => get(path, c.signal), undefined, describeCall({ method: "GET" }))}`;
  } catch (error) {
    const e = error as { code?: string; status?: number; name?: string };
    return `error ${e.code ?? e.status ?? e.name}`;
  }
}

/** Subscribes `listener` to every `onX` event the object exposes; returns the names. */
function subscribeAll(label: string, target: object, listener: (name: string) => void): string[] {
  const names = Object.keys(target).filter(
    (k) => /^on[A-Z]/.test(k) && typeof (target as Record<string, unknown>)[k] === "function",
  );
  for (const name of names) {
    (target as Record<string, (l: () => void) => unknown>)[name]?.(() => listener(`${label}.${name}`));
  }
  return names.map((name) => `${label}.${name}`);
}

/**
 * Runs every policy through calls that fire each of its events. With `throwing`, every event of every policy has a
 * listener that throws; returns the calls' outcomes, the events subscribed and the events that fired.
 */
/** How long a call waits on `/hang` before timing out; far above any `/ok` answer under load. */
const HANG_MS = 1_500;

async function scenario(throwing: boolean) {
  const fired = new Set<string>();
  const subscribed: string[] = [];
  const listen = (label: string, target: object) => {
    if (!throwing) return;
    subscribed.push(
      ...subscribeAll(label, target, (name) => {
        fired.add(name);
        throw new Error(`listener bug in ${name}`);
      }),
    );
  };
  let now = 0;
  const clock: Clock = { now: () => now };
  const outcomes: Record<string, string[]> = {};
  const run = async (label: string, policy: Policy, paths: string[]) => {
    outcomes[label] ??= [];
    for (const path of paths) outcomes[label].push(await outcome(policy, path));
  };
  /** One call held by the dependency while `/ok` is tried beside it (a full bulkhead or limit), then released. */
  const runBeside = async (label: string, policy: Policy) => {
    const holding = outcome(policy, "/hold");
    await dependency.held();
    await run(label, policy, ["/ok"]);
    dependency.release();
    outcomes[label]?.push(await holding);
  };
  const tag = throwing ? "throwing" : "quiet";

  const retry = createRetryPolicy({ maxAttempts: 3, backoff: "none" });
  listen("retry", retry);
  await run("retry", retry, [`/once/retry-${tag}`, "/down"]);
  const broke = createRetryPolicy({ maxAttempts: 3, backoff: "none", budget: emptyBudget() });
  listen("retry(no budget)", broke);
  await run("retry(no budget)", broke, ["/down"]);

  // Generous: `/ok` must never time out, even on a loaded machine; only `/hang` does.
  const timeout = createTimeoutPolicy({ ms: HANG_MS });
  listen("timeout", timeout);
  await run("timeout", timeout, ["/hang", "/ok"]);

  const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 0 });
  listen("bulkhead", bulkhead);
  await runBeside("bulkhead", bulkhead);

  const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 1_000, clock });
  listen("breaker", breaker);
  await run("breaker", breaker, ["/down", "/ok"]);
  now += 1_000;
  await run("breaker", breaker, ["/ok"]);

  const limit = createAdaptiveLimitPolicy({ initialLimit: 1, clock });
  listen("adaptiveLimit", limit);
  await runBeside("adaptiveLimit", limit);
  await run("adaptiveLimit", limit, ["/ok"]); // a second sample at the no-load RTT: the limit grows

  const hedge = createHedgePolicy({ delayMs: 10 });
  listen("hedge", hedge);
  await run("hedge", hedge, [`/slow-once/hedge-${tag}`]);
  const unfunded = createHedgePolicy({ delayMs: 10, budget: emptyBudget() });
  listen("hedge(no budget)", unfunded);
  await run("hedge(no budget)", unfunded, [`/slow-once/unfunded-${tag}`]);

  const fallback = createFallbackPolicy({ value: "cached" });
  listen("fallback", fallback);
  await run("fallback", fallback, ["/down", "/ok"]);

  const rateLimit = createRateLimitPolicy({ limiter: createRateLimiter({ points: 1, durationMs: 60_000 }), key: tag });
  listen("rateLimit", rateLimit);
  await run("rateLimit", rateLimit, ["/ok", "/ok"]);

  // LivePolicy re-publishes its parts' events: every one of them, and onApplied.
  const live = new LivePolicy(
    {
      fallback: { value: "cached" },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { kind: "consecutive", threshold: 2, halfOpenAfterMs: 1_000 },
      timeout: { perTryMs: HANG_MS },
    },
    { service: tag, clock },
  );
  listen("live", live);
  await run("live", live, [`/once/live-${tag}`, "/hang", "/ok"]);
  now += 1_000;
  await run("live", live, ["/ok"]);
  live.apply({ hedge: { delayMs: 10 }, bulkhead: { maxConcurrent: 1, maxQueue: 0 } });
  await run("live", live, [`/slow-once/live-${tag}`]);
  await runBeside("live", live);
  const liveBroke = new LivePolicy(
    { retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } },
    { budgets: new RetryBudgets({ percentCanRetry: 0, minRetriesPerSec: 0 }) },
  );
  listen("live(no budget)", liveBroke);
  await run("live(no budget)", liveBroke, ["/down"]);

  return { outcomes, subscribed, fired };
}

function emptyBudget(): RetryBudget {
  return new RetryBudget({ percentCanRetry: 0, minRetriesPerSec: 0 });
}

describe("a listener that throws on every event kind", () => {
  it("is reported and changes no call's outcome, against a real loopback dependency", async () => {
    const quiet = await scenario(false);
    const warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => unhandled.push(error);
    process.on("unhandledRejection", onUnhandled);
    process.on("uncaughtException", onUnhandled);
    try {
      const throwing = await scenario(true);
      expect(throwing.outcomes).toEqual(quiet.outcomes);
      // The calls above fire every event a user can subscribe to (the rate limiter's onStoreError needs a Redis
      // store that fails; it is not a policy event and is emitted by the same EventSource).
      const kind = (name: string) => name.replace(/\(.*\)/, "");
      const firedKinds = new Set([...throwing.fired].map(kind));
      const unfired = [...new Set(throwing.subscribed.map(kind))].filter((name) => !firedKinds.has(name));
      expect(unfired).toEqual([]);
      const reported = warnings.mock.calls.filter(
        ([, o]) => (o as { code?: string })?.code === "OUTRIGGER_LISTENER_FAILED",
      );
      expect(reported.length).toBeGreaterThanOrEqual(throwing.fired.size);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      process.off("uncaughtException", onUnhandled);
      warnings.mockRestore();
    }
  }, 20_000);
});
