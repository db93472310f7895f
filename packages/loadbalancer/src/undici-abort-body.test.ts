// nodejs/undici#4089: `await response.text()` hung after the caller's AbortController aborted while the body was
// still arriving. Through the lb dispatcher the abort reaches the attempt in flight (`StoppableCall` → the attempt's
// `abandon`): the body rejects with the abort, the stalled connection is closed, and the instance is not blamed.
// No body timeout here, so nothing but the abort can end the body. Real loopback instances.
import { once } from "node:events";
import { fetch as undiciFetch, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver } from "./undici-field-fixture.js";

describe("the caller aborts while the body is still arriving (nodejs/undici#4089)", () => {
  it("undici.request's and fetch's body reject with the abort, the connection closes, no failure is counted", async () => {
    const closed: Promise<unknown>[] = [];
    const stalls = await fieldInstance((request, response) => {
      closed.push(once(request.socket, "close"));
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("part"); // then nothing: only the caller's abort can end this body
    });
    const lb = lbOver([stalls.port], { pool: { bodyTimeout: 0 } });

    const viaRequest = new AbortController();
    const answer = await undiciRequest("http://svc/", { dispatcher: lb.dispatcher, signal: viaRequest.signal });
    expect(answer.statusCode).toBe(200);
    const text = answer.body.text();
    viaRequest.abort();
    await expect(text).rejects.toMatchObject({ name: "AbortError" });

    const viaFetch = new AbortController();
    const response = await undiciFetch("http://svc/", { dispatcher: lb.dispatcher, signal: viaFetch.signal });
    expect(response.status).toBe(200);
    const fetched = response.text();
    viaFetch.abort();
    await expect(fetched).rejects.toMatchObject({ name: "AbortError" });

    await Promise.all(closed);
    expect(closed).toHaveLength(2);
    expect(lb.balancer.stats("i0")).toMatchObject({ consecutiveFailures: 0 });
    await lb.close();
    await stalls.close();
  });
});
