// spring-cloud/spring-cloud-gateway#1371 ("load balancer gives back same instance under concurrent conditions"): a
// retry under load went back to the instance that had just failed it. Here each call carries the instances it
// tried; 300 concurrent calls over three instances, one always 503: every call ends 200 and none visits an
// instance twice. Real loopback instances.
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { fieldInstance, lbOver, ok, unavailable } from "./undici-field-fixture.js";

describe("retries under concurrency never return to an instance the call already tried", () => {
  it("300 concurrent calls through the lb dispatcher and lb axios", async () => {
    const instances = await Promise.all([fieldInstance(unavailable), fieldInstance(ok), fieldInstance(ok)]);
    const lb = lbOver(
      instances.map((i) => i.port),
      { retry: { maxAttempts: 3 } },
    );
    const http = createLbAxios({ balancer: () => lb.balancer, retry: { maxAttempts: 3 } });
    const calls = Array.from({ length: 300 }, (_, n) =>
      n % 2 === 0
        ? undiciRequest("http://svc/c", { dispatcher: lb.dispatcher, headers: { "x-call": String(n) } }).then(
            async (r) => [r.statusCode, await r.body.text()],
          )
        : http.get("lb://svc/c", { headers: { "x-call": String(n) } }).then((r) => [r.status, r.data]),
    );
    const answers = await Promise.all(calls);
    expect(answers.every(([status, body]) => status === 200 && body === "ok")).toBe(true);
    const visits = new Map<string, number[]>();
    instances.forEach((instance, at) => {
      for (const request of instance.seen.requests) {
        const call = String(request.headers["x-call"]);
        visits.set(call, [...(visits.get(call) ?? []), at]);
      }
    });
    const revisited = [...visits].filter(([, seen]) => new Set(seen).size !== seen.length);
    expect(revisited).toEqual([]);
    expect(instances[0]?.seen.requests.length).toBeGreaterThan(0); // the failing instance was in the rotation
    await http.close();
    await lb.close();
    await Promise.all(instances.map((i) => i.close()));
  });
});
