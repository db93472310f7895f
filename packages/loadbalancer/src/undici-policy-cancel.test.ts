// A resilience policy around the lb undici dispatcher's attempts: the timeout policy's cancellation is followed
// without an AbortSignal being made, and still cancels the request on the wire; the caller's own signal still
// cancels; and a policy timer that ran late (this process's lag) is not held against the instance (core's
// local-lag rule, as for the dispatcher's own per-try timeout). Real loopback server; an injected clock makes the
// policy's timer late. Conformance source for the abort path: nodejs/undici lib/api/api-request.js (the request's
// signal aborts through the handler's onConnect abort).
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { composePolicies, createRetryPolicy, createTimeoutPolicy } from "@outrigger/resilience";
import { request as undiciRequest } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createBalancer } from "./balancer.js";
import { instance, namedServer } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let server: Awaited<ReturnType<typeof namedServer>>;
/** Requests that reached the server, and a promise per request settled when its socket closes. */
const arrived: { request: IncomingMessage; closed: Promise<void> }[] = [];
let onArrival: () => void = () => undefined;
beforeAll(async () => {
  server = await namedServer("a", (request, response) => {
    const socket: Socket = request.socket;
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    arrived.push({ request, closed });
    onArrival();
    // "/hang" never answers: only a cancel ends it.
    if (request.url !== "/hang") response.end("ok");
  });
});
afterAll(() => {
  server.server.closeAllConnections();
  return new Promise((resolve) => server.server.close(resolve));
});
afterEach(() => {
  vi.unstubAllGlobals();
  arrived.length = 0;
});

const nextArrival = () => new Promise<void>((resolve) => (onArrival = resolve));

/** One instance; `eject`: one failure ejects it (to see whether a timeout was held against it). */
const setUp = (
  policy: ReturnType<typeof createTimeoutPolicy> | ReturnType<typeof composePolicies>,
  eject = true,
  localLagThresholdMs?: number,
) => {
  const balancer = createBalancer({
    instancer: new FixedInstancer([instance("a", "UP", server.port)]),
    ...(eject ? { outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 } } : {}),
    panic: { thresholdPercent: 0 },
  });
  // One connection: a request after a cancelled one is answered only if the cancel freed the socket.
  const dispatcher = createLbDispatcher({
    balancer: () => balancer,
    policy,
    retry: false,
    pool: { connections: 1 },
    ...(localLagThresholdMs !== undefined ? { localLagThresholdMs } : {}),
  });
  const close = async () => {
    await dispatcher.destroy();
    balancer.close();
  };
  return { balancer, dispatcher, close };
};

describe("the lb undici dispatcher under a resilience timeout policy", () => {
  it("makes no AbortController per request (the policy's cancellation is followed, not its signal)", async () => {
    const made = vi.fn();
    class CountingController extends AbortController {
      constructor() {
        super();
        made();
      }
    }
    const { dispatcher, close } = setUp(
      composePolicies(createRetryPolicy({ maxAttempts: 3 }), createTimeoutPolicy({ ms: 2_000 })),
    );
    vi.stubGlobal("AbortController", CountingController);
    for (let i = 0; i < 20; i++) {
      const response = await dispatcher.request({ origin: "lb://svc", path: "/ok", method: "GET" });
      expect(await response.body.text()).toBe("ok");
    }
    expect(made).toHaveBeenCalledTimes(0);
    await close();
  });

  it("aborts the request in flight when the policy's timeout fires, and frees its socket", async () => {
    const { dispatcher, close } = setUp(createTimeoutPolicy({ ms: 100 }), false);
    await expect(undiciRequest("http://svc/hang", { dispatcher })).rejects.toMatchObject({
      code: "RESILIENCE_TIMEOUT",
    });
    // When the request had reached the server, the server sees its socket close: undici aborted it.
    await arrived[0]?.closed;
    const next = await undiciRequest("http://svc/ok", { dispatcher });
    expect(await next.body.text()).toBe("ok");
    await close();
  });

  it("still cancels on the caller's signal, and does not blame the instance for it", async () => {
    const { balancer, dispatcher, close } = setUp(createTimeoutPolicy({ ms: 5_000 }));
    const caller = new AbortController();
    const reached = nextArrival();
    const pending = undiciRequest("http://svc/hang", { dispatcher, signal: caller.signal });
    await reached;
    caller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await arrived[0]?.closed;
    expect(balancer.stats("a")).toMatchObject({ ejected: false, consecutiveFailures: 0 });
    await close();
  });
});

describe("the local-lag rule for a resilience timeout policy's timer", () => {
  /**
   * A policy whose clock reads the true time when the call's deadline is set and `lagMs` more when its timer
   * fires: the timer looks that late, whatever the machine's load.
   */
  const laggingTimeout = (lagMs: number) => {
    let readings = 0;
    const now = () => performance.now() + (readings++ === 0 ? 0 : lagMs);
    return { policy: createTimeoutPolicy({ ms: 100, clock: { now } }) };
  };

  it("a timer that ran late times out for the caller but is not counted against the instance", async () => {
    const { policy } = laggingTimeout(500);
    const { balancer, dispatcher, close } = setUp(policy);
    await expect(undiciRequest("http://svc/hang", { dispatcher })).rejects.toMatchObject({
      code: "RESILIENCE_TIMEOUT",
    });
    expect(balancer.stats("a")).toMatchObject({ ejected: false, consecutiveFailures: 0 });
    await close();
  });

  it("a timer within localLagThresholdMs is counted against the instance (ejected: consecutive5xx 1)", async () => {
    const { policy } = laggingTimeout(0);
    // A generous threshold: on a loaded machine a timer "on time" can still run tens of ms late.
    const { balancer, dispatcher, close } = setUp(policy, true, 10_000);
    await expect(undiciRequest("http://svc/hang", { dispatcher })).rejects.toMatchObject({
      code: "RESILIENCE_TIMEOUT",
    });
    expect(balancer.stats("a")).toMatchObject({ ejected: true });
    await close();
  });
});
