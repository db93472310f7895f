// A POST carrying an idempotency key may be sent again: Go's net/http resends such a request on a reused
// connection the server closed (`Request.isReplayable`, golang/go#19943; nodejs/undici#3141 is the race), and the
// IETF's Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) exists for exactly that. Real loopback.
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { fieldInstance, lbOver, ok, pairOf, resetOnReuse, unavailable } from "./undici-field-fixture.js";

describe("requests with an idempotency key are retried like idempotent ones", () => {
  it("lb dispatcher: a POST with Idempotency-Key goes to the next instance after a 503; without one it does not", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const keyed = await undiciRequest("http://svc/pay", {
      method: "POST",
      body: "{}",
      headers: { "Idempotency-Key": "k-1" },
      dispatcher: lb.dispatcher,
    });
    expect([keyed.statusCode, await keyed.body.text()]).toEqual([200, "ok"]);
    expect([a.seen.requests.length, b.seen.requests.length]).toEqual([1, 1]);
    expect(b.seen.requests[0]?.headers["idempotency-key"]).toBe("k-1");
    await close();
    // Without a key the 503 is the answer, never sent twice; `idempotent: false` wins over a key.
    for (const extra of [{}, { headers: ["x-idempotency-key", "k-2"], idempotent: false }]) {
      const pair = await pairOf(unavailable, ok);
      const answer = await pair.lb.dispatcher.request({
        origin: "lb://svc",
        path: "/pay",
        method: "POST",
        body: "{}",
        ...extra,
      });
      await answer.body.dump();
      expect(answer.statusCode).toBe(503);
      expect([pair.a.seen.requests.length, pair.b.seen.requests.length]).toEqual([1, 0]);
      await pair.close();
    }
  });

  it("nodejs/undici#3141: a keyed POST on a reused connection the server reset goes again on a fresh one", async () => {
    const a = await fieldInstance(resetOnReuse());
    const lb = lbOver([a.port], { pool: { connections: 1 } });
    await (await undiciRequest("http://svc/warm", { dispatcher: lb.dispatcher })).body.dump();
    const keyed = await undiciRequest("http://svc/pay", {
      method: "POST",
      body: "{}",
      headers: { "idempotency-key": "k-3" },
      dispatcher: lb.dispatcher,
    });
    expect([keyed.statusCode, await keyed.body.text()]).toEqual([200, "ok"]);
    expect(a.seen.requests.map((r) => r.url)).toEqual(["/warm", "/pay", "/pay"]);
    await lb.close();
    await a.close();
  });

  it("lb axios on its http adapter: a POST with Idempotency-Key is retried after a 503", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const http = createLbAxios({ balancer: () => lb.balancer, transport: "http", retry: { maxAttempts: 2 } });
    const answer = await http.post("lb://svc/pay", {}, { headers: { "Idempotency-Key": "k-4" } });
    expect([answer.status, answer.data]).toEqual([200, "ok"]);
    expect([a.seen.requests.length, b.seen.requests.length]).toEqual([1, 1]);
    await http.close();
    await close();
  });
});
