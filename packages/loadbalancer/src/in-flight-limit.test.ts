import type { Server, ServerResponse } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { BalancerOptions } from "./balancer-options.js";
import { instance, namedServer } from "./test-support.js";

/** A loopback server that holds every request until released; records how many it held at most at once. */
class HoldingServer {
  readonly held: ServerResponse[] = [];
  arrived = 0;
  peak = 0;
  server!: Server;
  port = 0;
  #waiters: Array<() => void> = [];

  constructor(readonly name: string) {}

  async start(): Promise<this> {
    ({ server: this.server, port: this.port } = await namedServer(this.name, (request, response) => {
      request.resume();
      this.arrived++;
      this.held.push(response);
      this.peak = Math.max(this.peak, this.held.length);
      for (const w of this.#waiters.splice(0)) w();
    }));
    return this;
  }

  /** Resolves once `n` requests have arrived in all. */
  async arrivals(n: number): Promise<void> {
    while (this.arrived < n) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Answers the oldest held request. */
  releaseOne(): void {
    this.held.shift()?.end(JSON.stringify({ from: this.name }));
  }

  releaseAll(): void {
    while (this.held.length > 0) this.releaseOne();
  }

  reset(): void {
    this.releaseAll();
    this.arrived = 0;
    this.peak = 0;
  }
}

describe("maxInFlightPerInstance against real HTTP servers", () => {
  const a = new HoldingServer("a");
  const b = new HoldingServer("b");
  beforeAll(async () => {
    await a.start();
    await b.start();
  });
  afterEach(() => {
    a.reset();
    b.reset();
  });
  afterAll(() => {
    for (const s of [a, b]) {
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  /** A rule that always takes the first candidate, so any spreading is the cap's doing. */
  const first = { choose: <T>(candidates: readonly T[]) => candidates[0] as T };
  const setup = (options: Partial<BalancerOptions>) => {
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("a", "UP", a.port), instance("b", "UP", b.port)]),
      rule: first,
      ...options,
    });
    return { balancer, http: createLbAxios({ balancer: () => balancer }) };
  };

  it("skips instances at their cap, queues when all are, and sends the waiter once a slot frees", async () => {
    const { http } = setup({ maxInFlightPerInstance: 2, queueTimeoutMs: 30_000 });
    const requests = [1, 2, 3, 4].map(() => http.get("lb://svc/x"));
    await a.arrivals(2);
    await b.arrivals(2); // the "first" rule would have sent all four to a
    const fifth = http.get("lb://svc/fifth");
    a.releaseOne();
    await a.arrivals(3); // the queued request took the freed slot on a
    expect([a.peak, b.peak]).toEqual([2, 2]);
    a.releaseAll();
    b.releaseAll();
    expect((await Promise.all([...requests, fifth])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(a.arrived + b.arrived).toBe(5);
  });

  it("fails with LB_QUEUE_TIMEOUT after queueTimeoutMs, without retrying and without sending", async () => {
    const { http } = setup({ maxInFlightPerInstance: 1, queueTimeoutMs: 20 });
    const held = [http.get("lb://svc/1"), http.get("lb://svc/2")];
    await a.arrivals(1);
    await b.arrivals(1);
    await expect(http.get("lb://svc/3")).rejects.toMatchObject({
      code: "LB_QUEUE_TIMEOUT",
      message: expect.stringContaining("maxInFlightPerInstance"),
    });
    expect(a.arrived + b.arrived).toBe(2);
    a.releaseAll();
    b.releaseAll();
    await Promise.all(held);
  });

  it("fails with LB_QUEUE_FULL when maxQueued requests already wait; pick() throws LB_INSTANCES_BUSY", async () => {
    const { http, balancer } = setup({ maxInFlightPerInstance: 1, maxQueued: 1, queueTimeoutMs: 30_000 });
    const held = [http.get("lb://svc/1"), http.get("lb://svc/2")];
    await a.arrivals(1);
    await b.arrivals(1);
    expect(() => balancer.pick()).toThrowError(expect.objectContaining({ code: "LB_INSTANCES_BUSY" }));
    const waiting = http.get("lb://svc/queued");
    await expect(http.get("lb://svc/over")).rejects.toMatchObject({ code: "LB_QUEUE_FULL" });
    a.releaseOne();
    b.releaseOne();
    await a.arrivals(2);
    a.releaseAll();
    expect((await waiting).status).toBe(200);
    await Promise.all(held);
  });

  it("leaves the queue when the caller's deadline ends the wait", async () => {
    const { balancer, http } = setup({ maxInFlightPerInstance: 1, queueTimeoutMs: 30_000 });
    const held = [http.get("lb://svc/1"), http.get("lb://svc/2")];
    await a.arrivals(1);
    await b.arrivals(1);
    const withDeadline = createLbAxios({ balancer: () => balancer, deadlineMs: 20 });
    await expect(withDeadline.get("lb://svc/3")).rejects.toMatchObject({ code: "LB_DEADLINE_EXCEEDED" });
    a.releaseAll();
    b.releaseAll();
    await Promise.all(held);
    expect(a.arrived + b.arrived).toBe(2);
    // Slots freed, nothing waiting: a new pick succeeds at once.
    balancer.pick().done({ kind: "success", rttMs: 1 });
  });

  it("rejects bad limits with LB_INVALID_OPTION", () => {
    for (const options of [{ maxInFlightPerInstance: 0 }, { maxInFlightPerInstance: 1.5 }, { queueTimeoutMs: -1 }]) {
      expect(() => setup(options)).toThrowError(expect.objectContaining({ code: "LB_INVALID_OPTION" }));
    }
  });
});
