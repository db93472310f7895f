// nodejs/undici#3356: undici's RetryHandler retried a response whose body had started and handed the caller
// "HHello World". Once the caller has the headers, the lb dispatcher never retries: a body that stalls ends in the
// pool's body timeout, the caller sees that error, and no other instance is asked. Real loopback instances.
import { fetch as undiciFetch, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver, ok } from "./undici-field-fixture.js";

describe("a body that stalls after its first byte is never retried", () => {
  it("undici.request and fetch reject with the body timeout; the other instance saw nothing", async () => {
    const stalls = await fieldInstance((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("H"); // then nothing: the rest never comes
    });
    const healthy = await fieldInstance(ok);
    const lb = lbOver([stalls.port, healthy.port], { pool: { bodyTimeout: 200 }, retry: { maxAttempts: 2 } });
    const viaRequest = await undiciRequest("http://svc/hello", { dispatcher: lb.dispatcher });
    expect(viaRequest.statusCode).toBe(200);
    await expect(viaRequest.body.text()).rejects.toMatchObject({ code: "UND_ERR_BODY_TIMEOUT" });
    expect(healthy.seen.requests).toEqual([]);
    // Round robin's next pick is the healthy instance: send the fetch to the stalling one again.
    const again = lbOver([stalls.port, healthy.port], { pool: { bodyTimeout: 200 }, retry: { maxAttempts: 2 } });
    const viaFetch = await undiciFetch("http://svc/hello", { dispatcher: again.dispatcher });
    expect(viaFetch.status).toBe(200);
    const text = viaFetch.text();
    await expect(text).rejects.toThrow();
    expect(healthy.seen.requests).toEqual([]);
    expect(stalls.seen.requests).toHaveLength(2);
    await Promise.all([lb.close(), again.close()]);
    await Promise.all([stalls.close(), healthy.close()]);
  });
});
