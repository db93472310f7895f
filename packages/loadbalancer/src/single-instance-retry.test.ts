// A newcomer's report, checked on both transports: "with a single instance that answers 503 then 200,
// `retry: { maxAttempts: 2 }` and `retryOnStatus: [503]` did not retry". Confirmed, and by design: a retry goes to
// an instance not yet tried, and with one instance there is none. `retryTriedInstances: true` lets a retry go to
// a tried instance once no other is left — Envoy's previous_hosts retry predicate does so after
// host_selection_retry_max_attempts re-picks (api/envoy/config/route/v3/route_components.proto); Ribbon's
// next-server retry re-picks without excluding the server it tried (ribbon-loadbalancer LoadBalancerCommand.java),
// and its same-server retries (`MaxAutoRetries`) default to 0. A reset connection is retried on a fresh one either
// way (see the README, "Retries when every instance was tried").
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { RetryOptions } from "./retry-decision.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import { fieldInstance, resetOnReuse } from "./undici-field-fixture.js";

/** 503 for the first request, 200 after. */
const busyOnce = (_request: IncomingMessage, response: ServerResponse, n: number) => {
  response.statusCode = n === 1 ? 503 : 200;
  response.end(n === 1 ? "busy" : "ok");
};

/** One instance answering `busyOnce`, and the balancer over it. */
async function lonely() {
  const a = await fieldInstance(busyOnce);
  const balancer = createBalancer({ instancer: new FixedInstancer([instance("only", "UP", a.port)]) });
  const close = async () => {
    balancer.close();
    await a.close();
  };
  return { a, balancer, close };
}

const asReported: RetryOptions = { maxAttempts: 2, retryOnStatus: [503], backoff: "none" };

describe("a single instance answering 503 then 200 (newcomer report)", () => {
  it("createLbDispatcher: not retried by default (no untried instance): the caller gets the 503", async () => {
    const { a, balancer, close } = await lonely();
    const dispatcher = createLbDispatcher({ balancer: () => balancer, retry: asReported });
    const answer = await undiciRequest("http://svc/x", { dispatcher });
    expect([answer.statusCode, await answer.body.text()]).toEqual([503, "busy"]);
    expect(a.seen.requests.length).toBe(1);
    await dispatcher.close();
    await close();
  });

  it("createLbDispatcher: retryTriedInstances retries on the same instance and answers 200", async () => {
    const { a, balancer, close } = await lonely();
    const retry = { ...asReported, retryTriedInstances: true };
    const dispatcher = createLbDispatcher({ balancer: () => balancer, retry });
    const answer = await undiciRequest("http://svc/x", { dispatcher });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    expect(a.seen.requests.length).toBe(2);
    // The 503 was retried: outlier detection may skip it (countRetriedAttempts: false) as for any retried attempt.
    expect(balancer.stats("only")?.consecutiveFailures).toBe(0);
    await dispatcher.close();
    await close();
  });

  it("createLbAxios: not retried by default: the caller gets the 503", async () => {
    const { a, balancer, close } = await lonely();
    const http = createLbAxios({ balancer: () => balancer, retry: asReported });
    const answer = await http.get("lb://svc/x", { validateStatus: () => true });
    expect([answer.status, answer.data]).toEqual([503, "busy"]);
    expect(a.seen.requests.length).toBe(1);
    await close();
  });

  it("createLbAxios: retryTriedInstances retries on the same instance and answers 200", async () => {
    const { a, balancer, close } = await lonely();
    const http = createLbAxios({ balancer: () => balancer, retry: { ...asReported, retryTriedInstances: true } });
    const answer = await http.get("lb://svc/x");
    expect([answer.status, answer.data]).toEqual([200, "ok"]);
    expect(a.seen.requests.length).toBe(2);
    await close();
  });

  it("publishes outrigger:lb:retry only for a retry that is sent (the retries metric counts it), on both transports", async () => {
    const published: unknown[] = [];
    const listen = (message: unknown) => published.push(message);
    subscribe("outrigger:lb:retry", listen);
    try {
      for (const retryTriedInstances of [false, true]) {
        const { balancer, close } = await lonely();
        const retry = { ...asReported, retryTriedInstances };
        const dispatcher = createLbDispatcher({ balancer: () => balancer, retry });
        await (await undiciRequest("http://svc/x", { dispatcher })).body.dump();
        await dispatcher.close();
        await close();
        const again = await lonely();
        const http = createLbAxios({ balancer: () => again.balancer, retry });
        await http.get("lb://svc/x", { validateStatus: () => true });
        await again.close();
      }
    } finally {
      unsubscribe("outrigger:lb:retry", listen);
    }
    // Nothing for the two calls that had nowhere to go; one retry each for the two that went to the same instance.
    expect(published).toEqual([
      { service: "svc", attempt: 2, reason: "status" },
      { service: "svc", attempt: 2, reason: "status" },
    ]);
  });

  it("both transports retry a GET whose reused connection the only instance reset, on a fresh connection, by default", async () => {
    const a = await fieldInstance(resetOnReuse());
    const balancer = createBalancer({ instancer: new FixedInstancer([instance("only", "UP", a.port)]) });
    const dispatcher = createLbDispatcher({ balancer: () => balancer, pool: { connections: 1 } });
    const http = createLbAxios({ balancer: () => balancer });
    for (let i = 0; i < 2; i++) {
      expect(await (await undiciRequest("http://svc/u", { dispatcher })).body.text()).toBe("ok");
      expect((await http.get("lb://svc/a")).data).toBe("ok");
    }
    // Each transport: two answers, one reset on reuse and its retry on a fresh connection.
    expect(a.seen.requests.length).toBe(6);
    await dispatcher.close();
    balancer.close();
    await a.close();
  });

  it("retryTriedInstances still prefers an untried instance, and maxAttempts still bounds the attempts", async () => {
    const always503 = (_q: IncomingMessage, r: ServerResponse) => {
      r.statusCode = 503;
      r.end("busy");
    };
    const [x, y] = await Promise.all([fieldInstance(always503), fieldInstance(always503)]);
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("x", "UP", x.port), instance("y", "UP", y.port)]),
    });
    const retry = { ...asReported, maxAttempts: 3, retryTriedInstances: true };
    const dispatcher = createLbDispatcher({ balancer: () => balancer, retry });
    const answer = await undiciRequest("http://svc/x", { dispatcher });
    expect(answer.statusCode).toBe(503);
    await answer.body.dump();
    const counts = [x.seen.requests.length, y.seen.requests.length].sort();
    // The second attempt went to the untried one; the third, with none left, to a tried one.
    expect(counts).toEqual([1, 2]);
    await dispatcher.close();
    balancer.close();
    await Promise.all([x.close(), y.close()]);
  });
});
