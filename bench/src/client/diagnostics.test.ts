import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { Agent, request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ClientProbe } from "./diagnostics.js";

/** A loopback server answering after `delayMs`; its port. */
async function server(delayMs = 0): Promise<{ server: Server; port: number }> {
  const s = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end("ok"), delayMs);
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { server: s, port: (s.address() as AddressInfo).port };
}

const httpGet = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    httpRequest({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      res.resume();
      res.on("end", resolve);
    })
      .on("error", reject)
      .end();
  });

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("client probe", () => {
  it("counts connections opened to the watched ports only, for undici and node:http alike, and the calls in flight", async () => {
    const watched = await server(20);
    const other = await server();
    const probe = new ClientProbe([watched.port]);
    const agent = new Agent({ connections: 8 });
    closers.push(
      () => probe.close(),
      () => agent.close(),
      () => watched.server.close(),
      () => other.server.close(),
    );
    probe.reset();
    const call = async (port: number) => {
      const response = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
      await response.body.dump();
    };
    // Four at once to the watched port: the pool opens four connections; one more to another port is not counted.
    await Promise.all([1, 2, 3, 4].map(() => probe.track(() => call(watched.port))));
    await probe.track(() => call(other.port));
    await httpGet(watched.port);
    const d = probe.read();
    expect(d.connectionsOpened).toBe(5);
    expect(d.peakInFlight).toBe(4);
    // The undici pool keeps its four; node:http without an agent closes its socket after the response.
    await vi.waitFor(() => expect(probe.read().connectionsOpen).toBe(4));
    probe.reset();
    expect(probe.read()).toMatchObject({ connectionsOpened: 0, peakInFlight: 0 });
  });

  it("counts the SDK's retries in the window, and those after a per-try timeout", async () => {
    const slow = await server(300);
    const fast = await server();
    const instance = (id: string, port: number) =>
      ({ id, service: "up", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} }) as const;
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("slow", slow.port), instance("fast", fast.port)]),
    });
    const lb = createLbDispatcher({ balancer: () => balancer, perTryTimeoutMs: 50, retry: { maxAttempts: 2 } });
    const probe = new ClientProbe([]);
    closers.push(
      () => probe.close(),
      () => lb.close(),
      () => balancer.close(),
      () => slow.server.close(),
      () => fast.server.close(),
    );
    probe.reset();
    // Round robin over two: some calls start on the slow one, time out after 50 ms and go again on the fast one.
    for (let i = 0; i < 4; i++) {
      const response = await request("http://up/", { dispatcher: lb });
      await response.body.dump();
    }
    const d = probe.read();
    expect(d.sdkRetries).toBeGreaterThan(0);
    expect(d.sdkRetriesOnTimeout).toBe(d.sdkRetries);
    probe.reset();
    expect(probe.read()).toMatchObject({ sdkRetries: 0, sdkRetriesOnTimeout: 0 });
  });

  it("records how long the event loop stood still and the GC pauses in the window", async () => {
    const probe = new ClientProbe([]);
    closers.push(() => probe.close());
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    probe.reset();
    // The sampler's first tick (10 ms) sets its reference; a later-due timer runs after it.
    await new Promise((resolve) => setTimeout(resolve, 25));
    // Block the loop for 80 ms, as a long GC pause or a synchronous task would.
    const until = performance.now() + 80;
    while (performance.now() < until);
    gc();
    // One timer turn: the loop-delay timer, due during the block, runs before a later-due timer.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await vi.waitFor(() => expect(probe.read().gcCount).toBeGreaterThan(0), { interval: 20 });
    const d = probe.read();
    expect(d.loopDelayMaxMs).toBeGreaterThanOrEqual(50);
    expect(d.gcMaxMs).toBeGreaterThan(0);
    expect(d.gcTotalMs).toBeGreaterThanOrEqual(d.gcMaxMs);
  });

  it("counts mark-compacts apart from scavenges (full-17: the tail at 2 000/s was a client's mark-compact)", async () => {
    const probe = new ClientProbe([]);
    closers.push(() => probe.close());
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as (options?: { type: "minor" }) => void;
    probe.reset();
    gc({ type: "minor" });
    await vi.waitFor(() => expect(probe.read().gcCount).toBeGreaterThan(0), { interval: 20 });
    expect(probe.read().majorGcCount).toBe(0);
    probe.reset();
    gc();
    await vi.waitFor(() => expect(probe.read().majorGcCount).toBe(1), { interval: 20 });
  });

  it("counts mark-compacts since start, and every window after the warm-up says how many came before it", async () => {
    const probe = new ClientProbe([]);
    closers.push(() => probe.close());
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    expect(probe.read().majorGcsBeforeMeasuring).toBeNaN();
    gc();
    await vi.waitFor(() => expect(probe.majorGcsSinceStart).toBe(1), { interval: 20 });
    probe.reset();
    // A window resets the window's count, not the count since start.
    expect(probe.majorGcsSinceStart).toBe(1);
    expect(probe.warmedUp()).toBe(1);
    gc();
    await vi.waitFor(() => expect(probe.majorGcsSinceStart).toBe(2), { interval: 20 });
    probe.reset();
    expect(probe.read().majorGcsBeforeMeasuring).toBe(1);
  });

  it("says how long ago its latest mark-compact ended, none before the first (the warm-up's random phase)", async () => {
    const probe = new ClientProbe([]);
    closers.push(() => probe.close());
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    expect(probe.msSinceMajorGc).toBeUndefined();
    gc();
    await vi.waitFor(() => expect(probe.msSinceMajorGc).toBeDefined(), { interval: 20 });
    const first = probe.msSinceMajorGc as number;
    expect(first).toBeGreaterThanOrEqual(0);
    await vi.waitFor(() => expect(probe.msSinceMajorGc).toBeGreaterThan(first), { interval: 20 });
  });
});
