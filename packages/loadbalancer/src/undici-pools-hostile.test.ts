// The lb dispatcher's instance pools under a hostile caller and a flapping instancer, on real loopback servers.
// Conformance source: nodejs/undici lib/dispatcher/dispatcher-base.js — close() waits for the requests in flight,
// and nothing is dispatched after it (ClientClosedError); destroy() ends them. A pool the dispatcher makes must be
// one it closes.
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import { countedInstancer, fieldInstance, lbOver, ok, socketsOf, unavailable } from "./undici-field-fixture.js";

/** A handler that holds each request until the test releases it; `arrived` resolves on the first one. */
function held(then: (request: IncomingMessage, response: ServerResponse) => void) {
  const waiting: (() => void)[] = [];
  let arrive: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    waiting.push(() => then(request, response));
    arrive();
  };
  const release = () => {
    for (const go of waiting.splice(0)) go();
  };
  return { answer, arrived, release };
}

/** A request's status and body, or the error it failed with. */
const settle = (url: string, dispatcher: import("undici").Dispatcher) =>
  undiciRequest(url, { dispatcher }).then(
    async (r) => ({ status: r.statusCode, body: await r.body.text() }),
    (error: unknown) => ({ error: error as Error & { code?: string } }),
  );

describe("instance pools: close, destroy and a flapping set", () => {
  it("an instance that leaves with a request in flight: the request gets its answer, then the pool's socket closes", async () => {
    const first = held(ok);
    const a = await fieldInstance(first.answer);
    const sockets = socketsOf(a.server);
    const lb = lbOver([a.port]);
    const result = settle("http://svc/x", lb.dispatcher);
    await first.arrived;
    lb.instancer.set([]);
    expect(lb.dispatcher.poolOrigins()).toEqual([]);
    first.release();
    expect(await result).toEqual({ status: 200, body: "ok" });
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, "close"))));
    expect(sockets).toHaveLength(1);
    await lb.close();
    await a.close();
  });

  it("close() while an attempt is in flight: its retry (a 503 held back) leaves no pool open after close", async () => {
    const first = held(unavailable);
    const [a, b] = await Promise.all([fieldInstance(first.answer), fieldInstance(ok)]);
    const lb = lbOver([a.port, b.port]);
    const result = settle("http://svc/x", lb.dispatcher);
    await first.arrived;
    const closing = lb.dispatcher.close();
    first.release();
    const outcome = await result;
    await closing;
    // The retry is refused, as one through undici's closed dispatcher is (ClientClosedError): no pool made after close.
    expect(outcome).toMatchObject({ error: { code: "LB_CLOSED" } });
    expect(b.seen.requests).toHaveLength(0);
    expect(lb.dispatcher.poolOrigins()).toEqual([]);
    lb.balancer.close();
    await Promise.all([a.close(), b.close()]);
  });

  it("destroy() while an attempt is in flight: the request fails at once, its retry reaches no other instance", async () => {
    const first = held(() => {});
    const second = held(() => {});
    const [a, b] = await Promise.all([fieldInstance(first.answer), fieldInstance(second.answer)]);
    const lb = lbOver([a.port, b.port], { perTryTimeoutMs: 60_000 });
    const result = settle("http://svc/x", lb.dispatcher);
    await first.arrived;
    await lb.dispatcher.destroy();
    // destroy() stops the per-try timers: a retry sent now to an instance that never answers would hang for good.
    const outcome = (await Promise.race([result, once(b.server, "request").then(() => "retried")])) as unknown;
    expect(outcome).not.toBe("retried");
    expect(outcome).toMatchObject({ error: { code: expect.stringMatching(/^(UND_ERR_DESTROYED|LB_CLOSED)$/) } });
    expect(b.seen.requests).toHaveLength(0);
    lb.balancer.close();
    await Promise.all([a.close(), b.close()]);
  }, 10_000);

  it("an instance that flaps 1 000 times under requests in flight: every request answered, old pools' sockets closed", async () => {
    const [a, b] = await Promise.all([fieldInstance(ok), fieldInstance(ok)]);
    const sockets = socketsOf(b.server);
    const lb = lbOver([a.port, b.port]);
    const both = [instance("i0", "UP", a.port), instance("i1", "UP", b.port)];
    const statuses = new Map<number | string, number>();
    for (let i = 0; i < 1_000; i++) {
      const inFlight = [settle("http://svc/a", lb.dispatcher), settle("http://svc/b", lb.dispatcher)];
      lb.instancer.set([both[0] as (typeof both)[0]]); // b leaves while its request is in flight…
      lb.instancer.set(both); // …and comes back at once
      for (const o of await Promise.all(inFlight)) {
        const key = "error" in o ? String(o.error.code) : o.status;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }
    expect([...statuses]).toEqual([[200, 2_000]]);
    expect(lb.dispatcher.poolOrigins().length).toBeLessThanOrEqual(2);
    // Each of b's pools was retired after its request went out (b left after every send): every socket closes.
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, "close"))));
    expect(sockets.length).toBeGreaterThan(0);
    await lb.close();
    await Promise.all([a.close(), b.close()]);
  }, 60_000);

  it("after close(), an instancer that goes on emitting makes no pool, and a request fails with LB_CLOSED", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    expect((await settle("http://svc/x", lb.dispatcher)) as unknown).toEqual({ status: 200, body: "ok" });
    await lb.dispatcher.close();
    for (let i = 0; i < 100; i++) lb.instancer.set(i % 2 ? [] : [instance("i0", "UP", a.port)]);
    expect(lb.dispatcher.poolOrigins()).toEqual([]);
    expect(await settle("http://svc/y", lb.dispatcher)).toMatchObject({ error: { code: "LB_CLOSED" } });
    lb.balancer.close();
    await a.close();
  });

  it("close() lets go of every instancer subscription (a dispatcher made per request must not pile listeners up)", async () => {
    const a = await fieldInstance(ok);
    const fixed = new FixedInstancer([instance("i0", "UP", a.port)]);
    const counted = countedInstancer(fixed);
    const balancer = createBalancer({ instancer: fixed, rule: new RoundRobinRule({ random: () => 0 }) });
    for (let i = 0; i < 20; i++) {
      const dispatcher = createLbDispatcher({ balancer: () => balancer, instancer: () => counted });
      await settle("http://svc/x", dispatcher);
      await dispatcher.close();
    }
    expect(counted.live()).toBe(0);
    balancer.close();
    await a.close();
  });
  it("nodejs/undici#373: close() with requests queued behind one connection answers every one of them", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port], { pool: { connections: 1 } });
    const results = Array.from({ length: 20 }, (_, i) => settle(`http://svc/${i}`, lb.dispatcher));
    await lb.dispatcher.close();
    expect((await Promise.all(results)).map((r) => ("error" in r ? r.error.code : r.status))).toEqual(
      Array(20).fill(200),
    );
    expect(a.seen.connections).toBe(1);
    lb.balancer.close();
    await a.close();
  });
});
