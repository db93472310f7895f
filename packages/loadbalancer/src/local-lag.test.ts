// A per-try timeout that fires late because this process's event loop was blocked is the client's fault, not the
// upstream's (Envoy counts only upstream-attributable timeouts against a host: source/common/upstream/
// outlier_detection_impl.cc, Result::LocalOriginTimeout vs the 5xx/gateway results). Real loopback server, real
// busy loop.
import { FixedInstancer } from "@outrigger/discovery";
import { request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { instance, namedServer } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let server: Awaited<ReturnType<typeof namedServer>>;
let received = 0;
beforeAll(async () => {
  // A fast upstream: it answers 20 ms after the request, well inside the 60 ms per-try timeout — `/slow` 500 ms
  // after it: after the 300 ms block below, so the per-try timer, late by the block, finds no answer to deliver.
  // (An answer produced during the block is delivered, not timed out: the dispatcher's timeouts expire after the
  // turn's I/O — undici-late-timer.test.ts.)
  server = await namedServer("fast", (request, response) => {
    received++;
    setTimeout(() => response.end("ok"), request.url === "/slow" ? 500 : 20);
  });
});
afterAll(() => new Promise((resolve) => server.server.close(resolve)));

/** Blocks this process's event loop for `ms` (what a loaded machine or a long synchronous task does). */
const blockEventLoop = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

const setUp = (extra: { localLagThresholdMs?: number } = {}) => {
  const balancer = createBalancer({
    instancer: new FixedInstancer([instance("fast", "UP", server.port)]),
    outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 },
    panic: { thresholdPercent: 0 },
  });
  const dispatcher = createLbDispatcher({
    balancer: () => balancer,
    perTryTimeoutMs: 60,
    retry: false,
    ...extra,
  });
  return { balancer, dispatcher };
};

/** One request whose attempt is in flight while the event loop is blocked for 300 ms. */
const requestDuringBlock = async (dispatcher: ReturnType<typeof createLbDispatcher>) => {
  const before = received;
  const pending = undiciRequest("http://svc/slow", { dispatcher }).then(
    (r) => r.body.text().then(() => "answered"),
    (error: { code?: string }) => error.code,
  );
  while (received === before) await new Promise((resolve) => setImmediate(resolve));
  blockEventLoop(300);
  return pending;
};

describe("a per-try timeout that fires late because of client-side event-loop lag", () => {
  it("still times out for the caller, but is not counted against the instance (not ejected)", async () => {
    const { balancer, dispatcher } = setUp();
    expect(await requestDuringBlock(dispatcher)).toBe("LB_ATTEMPT_TIMEOUT");
    expect(balancer.stats("fast")).toMatchObject({ ejected: false, consecutiveFailures: 0 });
    // The instance is still picked: the next request is answered.
    const next = await undiciRequest("http://svc/", { dispatcher });
    expect(await next.body.text()).toBe("ok");
    await dispatcher.close();
    balancer.close();
  });

  it("counts it against the instance when the lateness is within localLagThresholdMs", async () => {
    const { balancer, dispatcher } = setUp({ localLagThresholdMs: 10_000 });
    expect(await requestDuringBlock(dispatcher)).toBe("LB_ATTEMPT_TIMEOUT");
    expect(balancer.stats("fast")).toMatchObject({ ejected: true });
    await dispatcher.close();
    balancer.close();
  });
});

describe("the same rule on lb-axios's http adapter (an injected clock makes the per-try timer late)", () => {
  /**
   * lb-axios over an instance that never answers. Its clock reads the true time when the per-try timer is set and
   * `lagMs` more when it fires: the timer looks that late, whatever the machine's load (nothing waits on arrival).
   */
  const hanging = async (lagMs: number, localLagThresholdMs?: number) => {
    const silent = await namedServer("silent", () => undefined);
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("silent", "UP", silent.port)]),
      outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 },
      panic: { thresholdPercent: 0 },
    });
    let readings = 0;
    const client = createLbAxios({
      balancer: () => balancer,
      transport: "http",
      perTryTimeoutMs: 60,
      retry: false,
      clock: { now: () => performance.now() + (readings++ === 0 ? 0 : lagMs) },
      ...(localLagThresholdMs !== undefined ? { localLagThresholdMs } : {}),
    });
    const outcome = await client.get("lb://svc/").then(
      () => "answered",
      (error: { code?: string }) => error.code,
    );
    balancer.close();
    silent.server.closeAllConnections();
    await new Promise((resolve) => silent.server.close(resolve));
    return { outcome, stats: balancer.stats("silent") };
  };

  it("times out for the caller, but a timer 500 ms late is not counted against the instance", async () => {
    const { outcome, stats } = await hanging(500);
    expect(outcome).toBe("LB_ATTEMPT_TIMEOUT");
    expect(stats).toMatchObject({ ejected: false, consecutiveFailures: 0 });
  });

  it("counts a timer within localLagThresholdMs against the instance", async () => {
    // A generous threshold: on a loaded machine a timer "on time" can still run tens of ms late.
    const { outcome, stats } = await hanging(0, 10_000);
    expect(outcome).toBe("LB_ATTEMPT_TIMEOUT");
    expect(stats).toMatchObject({ ejected: true });
  });

  it("refuses a negative localLagThresholdMs with LB_INVALID_OPTION", () => {
    expect(() => createLbAxios({ balancer: () => undefined, localLagThresholdMs: -1 })).toThrow(
      expect.objectContaining({ code: "LB_INVALID_OPTION" }),
    );
  });
});
