// Without a policy, the first attempt of an lb undici request runs without promises (BalancedCall#run): it reports
// back through its handler, and the retry engine's loop (core's RetryEngine.retryAfter) starts only if it fails.
// These pin both halves: no promise of Outrigger's own on the answered-at-once path, and a failed first attempt still
// retried — with no backoff too, where the retry must not be dispatched from inside undici's failure callback.
import { createHook } from "node:async_hooks";
import { FixedInstancer } from "@outrigger/discovery";
import { type Dispatcher, Pool, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { startInstances } from "./seam/seam-fixture.js";
import { instance, namedServer } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

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

describe("the lb undici dispatcher's first attempt without a policy", () => {
  it("makes no more promises for a request answered at once than a bare undici Pool does", async () => {
    // A synchronous handler: the server, in this process, makes no promise of its own either.
    const { server, port } = await namedServer("a");
    const balancer = createBalancer({ instancer: new FixedInstancer([instance("a", "UP", port)]) });
    const lb = createLbDispatcher({ balancer: () => balancer });
    const pool = new Pool(`http://127.0.0.1:${port}`);
    const get = { path: "/x", method: "GET" } as const;
    // Warm: each side's connection open, its pool made.
    for (let i = 0; i < 3; i++) {
      await promisesOf(lb, { ...get, origin: "lb://svc" });
      await promisesOf(pool, get);
    }
    const viaLb = await promisesOf(lb, { ...get, origin: "lb://svc" });
    const bare = await promisesOf(pool, get);
    expect(viaLb.status).toBe(200);
    // Before, the retry engine's `run`, the attempt and the request each made one: three more than the bare Pool.
    expect(viaLb.promises).toBeLessThanOrEqual(bare.promises);
    await Promise.all([lb.close(), pool.close()]);
    balancer.close();
    await new Promise((resolve) => server.close(resolve));
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
