import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { LivePolicy, RetryBudgets } from "@outrigger/resilience";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readFleet } from "./fleet.fixture.js";
import { createFleetStream, type FleetStream } from "./fleet-stream.js";
import { balancerOver, loopbackServers } from "./otel.fixture.js";

const TOKEN = "fleet-s3cret";
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** The stream served on a real loopback server. */
async function serve(stream: FleetStream): Promise<string> {
  const server: Server = createServer((req, res) => stream.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push({ close: () => new Promise((r) => server.close(r)) }, stream);
  open.push({ close: () => server.closeAllConnections() });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${stream.path}`;
}

describe("createFleetStream", () => {
  it("streams each destination's calls/s, error % and p50/p99 from real load-balanced calls", async () => {
    const backends = await loopbackServers(["orders", "stock"], (name) => ({ status: name === "stock" ? 503 : 200 }));
    open.push(backends);
    const stream = createFleetStream({ intervalMs: 50, budget: (service) => (service === "orders" ? 7 : undefined) });
    const url = await serve(stream);
    const balancers = {
      orders: balancerOver([backends.instance("orders")]),
      stock: balancerOver([{ ...backends.instance("stock"), service: "stock" }]),
    };
    const dispatcher = createLbDispatcher({ balancer: (s) => balancers[s as keyof typeof balancers] });
    open.push(dispatcher);
    for (let i = 0; i < 4; i++) await (await request("http://orders/", { dispatcher })).body.text();
    await (await request("http://stock/", { dispatcher })).body.text();

    const reader = await readFleet(url);
    open.push(reader);
    const first = await reader.next();
    const [orders, stock] = first.destinations;
    expect(orders).toMatchObject({ service: "orders", calls: 4, errorPct: 0, breaker: "closed", budget: 7 });
    expect(orders?.p99Ms).toBeGreaterThan(0);
    expect(stock).toMatchObject({ service: "stock", calls: 1, errorPct: 100, ejectedCount: 0 });
    expect(stock).not.toHaveProperty("budget");
    // Then one update per interval.
    const second = await reader.next();
    expect(second.at).toBeGreaterThanOrEqual(first.at);
  });

  it("shows the breaker a real policy opened (its messages carry the attempt's context, matched to the call)", async () => {
    const backends = await loopbackServers(["a"], () => ({ status: 503 }));
    open.push(backends);
    const stream = createFleetStream({ intervalMs: 50 });
    const url = await serve(stream);
    const balancer = balancerOver([backends.instance("a")]);
    const policy = new LivePolicy(
      { retry: { maxAttempts: 1 }, circuitBreaker: { kind: "consecutive", threshold: 3, halfOpenAfterMs: 60_000 } },
      { service: "orders", budgets: new RetryBudgets() },
    );
    const dispatcher = createLbDispatcher({ balancer: () => balancer, policy: () => policy });
    open.push(dispatcher, balancer);
    const codes: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        await request("http://orders/", { dispatcher }).then(
          (r) => r.statusCode,
          (e) => e.code,
        ),
      );
    }
    expect(codes.slice(3)).toEqual(["RESILIENCE_CIRCUIT_OPEN", "RESILIENCE_CIRCUIT_OPEN"]);
    const reader = await readFleet(url);
    open.push(reader);
    expect((await reader.next()).destinations).toEqual([
      expect.objectContaining({ service: "orders", breaker: "open", calls: 5, errorPct: 100 }),
    ]);
  });

  it("lists the instances the outlier detector ejected (Envoy's consecutive_5xx), until their ejection ends", async () => {
    const backends = await loopbackServers(["bad", "good"], (name) => ({ status: name === "bad" ? 503 : 200 }));
    open.push(backends);
    const stream = createFleetStream({ intervalMs: 50 });
    const url = await serve(stream);
    const balancer = balancerOver([backends.instance("bad"), backends.instance("good")], { consecutive5xx: 2 });
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    open.push(dispatcher, balancer);
    for (let i = 0; i < 6; i++) await (await request("http://orders/", { dispatcher })).body.text();
    const reader = await readFleet(url);
    open.push(reader);
    expect((await reader.next()).destinations).toEqual([
      expect.objectContaining({ service: "orders", ejected: ["bad"], ejectedCount: 1 }),
    ]);
  });

  it("asks for the token: none or a wrong one gets 401 TELEMETRY_STREAM_UNAUTHORIZED, never echoing it", async () => {
    const stream = createFleetStream({ token: TOKEN });
    const url = await serve(stream);
    for (const given of [undefined, "wrong", `${TOKEN}x`, ""]) {
      const refused = await readFleet(url, given);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: "TELEMETRY_STREAM_UNAUTHORIZED" });
      expect(refused.body).not.toContain(TOKEN);
    }
    const admitted = await readFleet(url, TOKEN);
    open.push(admitted);
    expect(admitted.status).toBe(200);
    expect(stream.clients).toBe(1);
  });

  it("caps the streams open at once (503 TELEMETRY_TOO_MANY_STREAMS) and admits again when one closes", async () => {
    const stream = createFleetStream({ maxClients: 2 });
    const url = await serve(stream);
    const a = await readFleet(url);
    const b = await readFleet(url);
    open.push(b);
    const c = await readFleet(url);
    expect(c.status).toBe(503);
    expect(JSON.parse(c.body)).toMatchObject({ code: "TELEMETRY_TOO_MANY_STREAMS" });
    a.close();
    await vi.waitFor(() => expect(stream.clients).toBe(1));
    const d = await readFleet(url);
    open.push(d);
    expect(d.status).toBe(200);
  });

  it("cuts a reader that stops reading instead of buffering for it, and keeps serving the others", async () => {
    // Many destinations make each update big, so the stalled socket's buffers fill within a few hundred updates.
    const backends = await loopbackServers(["orders"]);
    open.push(backends);
    const stream = createFleetStream({ intervalMs: 10, maxBufferedBytes: 16 * 1024 });
    const url = await serve(stream);
    const instance = backends.instance("orders");
    const balancer = balancerOver([instance]);
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    open.push(dispatcher, balancer);
    for (let i = 0; i < 200; i++) await (await request(`http://svc-${i}/`, { dispatcher })).body.text();

    const { port } = new URL(url);
    const stalled = connect(Number(port), "127.0.0.1");
    open.push({ close: () => stalled.destroy() });
    stalled.write(`GET ${stream.path} HTTP/1.1\r\nhost: x\r\n\r\n`);
    stalled.pause();
    const healthy = await readFleet(url);
    open.push(healthy);
    await vi.waitFor(() => expect(stream.clients).toBe(2));
    const ended = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
    await vi.waitFor(() => expect(stream.clients).toBe(1), { timeout: 20_000, interval: 50 });
    const update = await healthy.next();
    expect(update.destinations).toHaveLength(200);
    stalled.destroy();
    await ended;
  });

  // Netflix/Hystrix#1430 (and #85): the metrics stream noticed a client that went away only when it next wrote, so
  // with no traffic five abandoned `curl`s held every slot ("503 MaxConcurrentConnections reached: 5"). Here a
  // stream's slot is freed when its socket closes, written to or not.
  it("frees the slot of a reader that hung up even while there is nothing to send (Hystrix#1430)", async () => {
    const stream = createFleetStream({ maxClients: 2, intervalMs: 60_000 });
    const url = await serve(stream);
    for (let i = 0; i < 5; i++) {
      const gone = await readFleet(url);
      expect(gone.status).toBe(200);
      gone.close();
      await vi.waitFor(() => expect(stream.clients).toBe(0));
    }
    const admitted = await readFleet(url);
    open.push(admitted);
    expect(admitted.status).toBe(200);
  });

  // Netflix/Hystrix#1369: HEAD requests on hystrix.stream each took a connection slot that was never given back.
  it("does not count HEAD or other methods against the cap (Hystrix#1369)", async () => {
    const stream = createFleetStream({ maxClients: 1 });
    const url = await serve(stream);
    for (let i = 0; i < 3; i++) expect((await fetch(url, { method: "HEAD" })).status).toBe(405);
    expect(stream.clients).toBe(0);
    const admitted = await readFleet(url);
    open.push(admitted);
    expect(admitted.status).toBe(200);
  });

  it("refuses a bad bound with TELEMETRY_INVALID_OPTION and a relative path", () => {
    expect(() => createFleetStream({ maxClients: 0 })).toThrow(
      expect.objectContaining({ code: "TELEMETRY_INVALID_OPTION" }),
    );
    expect(() => createFleetStream({ intervalMs: 1 })).toThrow(/intervalMs/);
    expect(() => createFleetStream({ path: "fleet" })).toThrow(
      expect.objectContaining({ code: "TELEMETRY_INVALID_OPTION" }),
    );
  });
});
