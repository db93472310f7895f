// The lb dispatcher's close(): every caller hears its fate (an answer, or an error with a stable code) before
// close() resolves, on real loopback instances. Conformance source: nodejs/undici lib/dispatcher/dispatcher-base.js —
// close() resolves after `kClose` waited for the requests in flight and queued; destroy() errors them at once.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Dispatcher, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver, ok } from "./undici-field-fixture.js";

type Outcome = { status: number } | { code: string };

/** Starts `n` requests; each outcome is recorded in `settled` the moment its caller hears it (headers or error). */
function fire(n: number, dispatcher: Dispatcher) {
  const settled: Outcome[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    undiciRequest(`http://svc/${i}`, { dispatcher }).then(
      (response) => {
        settled.push({ status: response.statusCode });
        return response.body.text();
      },
      (error: Error & { code?: string }) => {
        settled.push({ code: String(error.code) });
      },
    ),
  );
  return { settled, all: Promise.all(all) };
}

/** A handler that never answers (the per-try timeout or close must end the request). */
const silent = (_request: IncomingMessage, _response: ServerResponse): void => undefined;

/** Closes the dispatcher and returns how many callers had heard when close() resolved. */
async function closeAndCount(dispatcher: Dispatcher, settled: Outcome[]): Promise<number> {
  await dispatcher.close();
  return settled.length;
}

describe("LbDispatcher.close(): every caller hears before it resolves", () => {
  it("50 requests with a per-try timeout and a deadline pending on silent instances: all answered before close() resolves", async () => {
    const [a, b] = await Promise.all([fieldInstance(silent), fieldInstance(silent)]);
    // A deadline too: break-it's case (the retries the per-try timeouts start are cut by it, after close()).
    const lb = lbOver([a.port, b.port], { perTryTimeoutMs: 50, deadlineMs: 80 });
    const { settled, all } = fire(50, lb.dispatcher);
    while (a.seen.requests.length + b.seen.requests.length < 50) await new Promise((r) => setImmediate(r));
    const heard = await closeAndCount(lb.dispatcher, settled);
    expect(heard).toBe(50);
    await all;
    // Each timed out on its instance, or its retry (after close) was refused: no new pool, a stable code.
    for (const outcome of settled)
      expect(outcome).toEqual({ code: expect.stringMatching(/^LB_(ATTEMPT_TIMEOUT|DEADLINE_EXCEEDED|CLOSED)$/) });
    lb.balancer.close();
    await Promise.all([a.close(), b.close()]);
  });

  it("requests queued in the balancer (every instance at its in-flight cap): answered before close() resolves", async () => {
    const slow = await fieldInstance((_request, response) => setTimeout(() => response.end("ok"), 20));
    const lb = lbOver([slow.port], {}, { maxInFlightPerInstance: 1, queueTimeoutMs: 30_000 });
    const { settled, all } = fire(10, lb.dispatcher);
    while (slow.seen.requests.length < 1) await new Promise((r) => setImmediate(r));
    const heard = await closeAndCount(lb.dispatcher, settled);
    expect(heard).toBe(10);
    await all;
    // The one in flight gets its answer; each queued one, given a slot after close(), is refused with LB_CLOSED.
    expect(settled[0]).toEqual({ status: 200 });
    expect(settled.slice(1)).toEqual(Array(9).fill({ code: "LB_CLOSED" }));
    lb.balancer.close();
    await slow.close();
  });

  it("a request waiting out a retry backoff: answered before close() resolves", async () => {
    const failing = await fieldInstance((_request, response) => {
      response.statusCode = 503;
      response.end("busy");
    });
    // The retry engine's backoff (30 ms: `random` pinned near 1), on the one instance (`retryTriedInstances`).
    const retry = { maxAttempts: 3, initialDelayMs: 30, random: () => 0.99, retryTriedInstances: true };
    const lb = lbOver([failing.port], { retry });
    const { settled, all } = fire(5, lb.dispatcher);
    while (failing.seen.requests.length < 5) await new Promise((r) => setImmediate(r));
    const heard = await closeAndCount(lb.dispatcher, settled);
    expect(heard).toBe(5);
    await all;
    expect(settled.every((o) => "code" in o && o.code === "LB_CLOSED")).toBe(true);
    lb.balancer.close();
    await failing.close();
  });

  it("close() twice, and close() with nothing open, resolve; a request after it fails with LB_CLOSED", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    await Promise.all([lb.dispatcher.close(), lb.dispatcher.close()]);
    await lb.dispatcher.close();
    const { settled, all } = fire(1, lb.dispatcher);
    await all;
    expect(settled).toEqual([{ code: "LB_CLOSED" }]);
    lb.balancer.close();
    await a.close();
  });

  it("destroy() ends a request waiting out a backoff at once, with undici's UND_ERR_DESTROYED", async () => {
    const failing = await fieldInstance((_request, response) => {
      response.statusCode = 503;
      response.end("busy");
    });
    const retry = { maxAttempts: 3, initialDelayMs: 60_000, random: () => 0.99, retryTriedInstances: true };
    const lb = lbOver([failing.port], { retry });
    const { settled, all } = fire(3, lb.dispatcher);
    while (failing.seen.requests.length < 3) await new Promise((r) => setImmediate(r));
    await lb.dispatcher.destroy();
    expect(settled).toEqual(Array(3).fill({ code: "UND_ERR_DESTROYED" }));
    await all;
    lb.balancer.close();
    await failing.close();
  });
});
