// The first attempt of an lb undici request runs without promises (BalancedCall#run): it reports back through its
// handler to a sink, and the retry engine's loop (core's RetryEngine.retryAfter) starts only if it fails — without a
// policy, and under a resilience composition whose layers all run into a sink (core's RUN_INTO: retry, breaker,
// bulkhead, timeout). These pin both halves: no promise of Outrigger's own on the answered-at-once path, and a failed
// first attempt still retried — with no backoff too, where the retry must not be dispatched from inside undici's
// failure callback.
import { createHook } from "node:async_hooks";
import { FixedInstancer } from "@outrigger/discovery";
import {
  composePolicies,
  createBulkheadPolicy,
  createCircuitBreaker,
  createHedgePolicy,
  createRetryPolicy,
  createTimeoutPolicy,
  type Policy,
} from "@outrigger/resilience";
import { type Dispatcher, Pool, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { startInstances } from "./seam/seam-fixture.js";
import { instance, namedServer } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import type { LbDispatcherOptions } from "./undici-dispatcher-options.js";

let fixture: Awaited<ReturnType<typeof startInstances>>;
beforeAll(async () => {
  fixture = await startInstances(["refuse", "ok"]);
});
afterAll(() => fixture.close());

/** One request through `dispatcher` with a raw handler: its status and the promises made from dispatch to its end. */
function promisesOf(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions) {
  return new Promise<{ status: number; promises: number }>((resolve, reject) => {
    let promises = 0;
    let status = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === "PROMISE") promises++;
      },
    });
    const handler: Dispatcher.DispatchHandlers = {
      onConnect: () => undefined,
      onHeaders: (code) => {
        status = code;
        return true;
      },
      onData: () => true,
      onComplete: () => {
        hook.disable();
        resolve({ status, promises });
      },
      onError: (error) => {
        hook.disable();
        reject(error);
      },
    };
    hook.enable();
    dispatcher.dispatch(options, handler);
  });
}

/**
 * The promises of one request answered at once through an lb dispatcher made with `settings`, and of one through a
 * bare Pool to the same server, each side warmed first (its connection open, its pool made). A synchronous handler:
 * the server, in this process, makes no promise of its own either.
 */
async function promisesBesideBare(settings: Omit<LbDispatcherOptions, "balancer">) {
  const { server, port } = await namedServer("a");
  const balancer = createBalancer({ instancer: new FixedInstancer([instance("a", "UP", port)]) });
  const lb = createLbDispatcher({ balancer: () => balancer, ...settings });
  const pool = new Pool(`http://127.0.0.1:${port}`);
  const get = { path: "/x", method: "GET" } as const;
  for (let i = 0; i < 3; i++) {
    await promisesOf(lb, { ...get, origin: "lb://svc" });
    await promisesOf(pool, get);
  }
  const viaLb = await promisesOf(lb, { ...get, origin: "lb://svc" });
  const bare = await promisesOf(pool, get);
  await Promise.all([lb.close(), pool.close()]);
  balancer.close();
  await new Promise((resolve) => server.close(resolve));
  return { viaLb, bare };
}

describe("the lb undici dispatcher's first attempt without a policy", () => {
  it("makes no more promises for a request answered at once than a bare undici Pool does", async () => {
    const { viaLb, bare } = await promisesBesideBare({});
    expect(viaLb.status).toBe(200);
    // Before, the retry engine's `run`, the attempt and the request each made one: three more than the bare Pool.
    expect(viaLb.promises).toBeLessThanOrEqual(bare.promises);
  });

  it("still retries a refused first attempt on the next instance, with no backoff as with the default", async () => {
    for (const backoff of ["none", "exponential"] as const) {
      fixture.reset();
      // Round robin from the refusing instance: the first and third requests start there, so each answer from "ok"
      // to them is a retry.
      const balancer = fixture.balancer(["refuse", "ok"]);
      const lb = createLbDispatcher({
        balancer: () => balancer,
        retry: { maxAttempts: 2, backoff, initialDelayMs: 1 },
      });
      const answers = await Promise.all(
        [0, 1, 2].map(async () => {
          const answer = await undiciRequest("http://svc/x", { dispatcher: lb });
          return [answer.statusCode, await answer.body.json()];
        }),
      );
      expect(answers).toEqual([0, 1, 2].map(() => [200, { from: "ok", bytes: 0 }]));
      expect(fixture.get("ok").received).toBe(3);
      await lb.close();
      balancer.close();
    }
  });
});

/** The benchmark's "full policy": retry, breaker, bulkhead and a timeout policy around the attempts. */
const fullPolicy = (): Policy =>
  composePolicies(
    createRetryPolicy({ maxAttempts: 3 }),
    createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 }),
    createBulkheadPolicy({ maxConcurrent: 64, maxQueue: 64 }),
    createTimeoutPolicy({ ms: 2_000 }),
  );

describe("the lb undici dispatcher's first attempt under a resilience policy", () => {
  it("makes no more promises under retry, breaker, bulkhead and timeout than a bare undici Pool does", async () => {
    const { viaLb, bare } = await promisesBesideBare({ policy: fullPolicy(), perTryTimeoutMs: 2_000 });
    expect(viaLb.status).toBe(200);
    // Before, each layer's `execute` made one or two, and the attempt one: six more than the bare Pool.
    expect(viaLb.promises).toBeLessThanOrEqual(bare.promises);
  });

  it("retries a refused first attempt through the policy's retry, with or without a layer that has no sink path", async () => {
    const hedge = () => createHedgePolicy({ delayMs: 60_000, maxHedges: 1 });
    const policies: Array<[string, () => Policy]> = [
      ["full", fullPolicy],
      // A hedge runs through `execute` (no sink path): the composition around it falls back to promises.
      ["with a hedge", () => composePolicies(createRetryPolicy({ maxAttempts: 2, backoff: "none" }), hedge())],
      // A policy of the caller's own, with only `execute` (cockatiel's shape).
      ["a caller's own", () => ({ execute: (fn, signal) => Promise.resolve(fn({ signal } as never)) }) as Policy],
    ];
    for (const [name, policy] of policies) {
      fixture.reset();
      const balancer = fixture.balancer(["refuse", "ok"]);
      const lb = createLbDispatcher({
        balancer: () => balancer,
        policy: policy(),
        retry: { maxAttempts: 2, backoff: "none" },
      });
      const answers = await Promise.all(
        [0, 1, 2].map(async () => {
          const answer = await undiciRequest("http://svc/x", { dispatcher: lb });
          return [answer.statusCode, await answer.body.json()];
        }),
      );
      expect([name, answers]).toEqual([name, [0, 1, 2].map(() => [200, { from: "ok", bytes: 0 }])]);
      expect(fixture.get("ok").received).toBe(3);
      await lb.close();
      balancer.close();
    }
  });

  it("answers every request when the bulkhead queues most of them (each queued one starts when a slot frees)", async () => {
    fixture.reset();
    const balancer = fixture.balancer(["ok"]);
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 2, maxQueue: 16 });
    const policy = composePolicies(createRetryPolicy({ maxAttempts: 2 }), bulkhead, createTimeoutPolicy({ ms: 5_000 }));
    const lb = createLbDispatcher({ balancer: () => balancer, policy });
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const answer = await undiciRequest("http://svc/x", { dispatcher: lb });
        await answer.body.dump();
        return answer.statusCode;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: 16 }, () => 200));
    expect(fixture.get("ok").received).toBe(16);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([2, 16]);
    await lb.close();
    balancer.close();
  });
});
