// createLbAxios's close(), on real loopback instances: what the client made is closed (its lb dispatcher, each
// instance's pool and socket, its instancer subscriptions, its timers), what it was given is not, and every caller
// hears before close() resolves. Conformance source: nodejs/undici lib/dispatcher/dispatcher-base.js — close()
// resolves after the requests in flight and queued; a request after it is refused (ClientClosedError there,
// LB_CLOSED here). Replays break-it's repro (a client made per request kept its subscription and pools).
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createLbAxios, type LbAxiosTransport } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { countedInstancer, fieldInstance, ok, socketsOf } from "./undici-field-fixture.js";

/** One instance answering with `answer`, a counted instancer over it and a balancer; `close` stops all three. */
async function serviceOf(answer: (request: IncomingMessage, response: ServerResponse) => void = ok) {
  const server = await fieldInstance(answer);
  const sockets = socketsOf(server.server);
  const fixed = new FixedInstancer([instance("i0", "UP", server.port)]);
  const counted = countedInstancer(fixed);
  const balancer = createBalancer({ instancer: fixed, rule: new RoundRobinRule({ random: () => 0 }) });
  const close = async () => {
    balancer.close();
    await server.close();
  };
  return { server, sockets, fixed, counted, balancer, close };
}

/** Resolves once every socket in `sockets` has closed (never, if one stays open: the test times out). */
const allClosed = (sockets: Socket[]) => Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, "close"))));

describe("createLbAxios close()", () => {
  it("break-it's repro: 50 clients made, used once and closed hold no subscription and no socket", async () => {
    const svc = await serviceOf();
    for (let i = 0; i < 50; i++) {
      const http = createLbAxios({ balancer: () => svc.balancer, instancer: () => svc.counted, transport: "undici" });
      expect((await http.get("lb://svc/x")).data).toBe("ok");
      await http.close();
    }
    expect(svc.counted.live()).toBe(0);
    expect(svc.sockets).toHaveLength(50);
    // Each client's pool closed its connection: the server sees every socket end (a leaked one never would).
    await allClosed(svc.sockets);
    // The balancer and instancer were the caller's: still open and working.
    expect(svc.balancer.pick().instance.id).toBe("i0");
    expect(svc.fixed.current().instances).toHaveLength(1);
    await svc.close();
  });

  for (const transport of ["undici", "http"] satisfies LbAxiosTransport[]) {
    it(`${transport}: a request in flight gets its answer before close() resolves; one after it fails with LB_CLOSED`, async () => {
      const waiting: ServerResponse[] = [];
      let arrived: () => void = () => {};
      const first = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const svc = await serviceOf((_request, response) => {
        waiting.push(response);
        arrived();
      });
      const http = createLbAxios({
        balancer: () => svc.balancer,
        instancer: () => svc.counted,
        transport,
        perTryTimeoutMs: 60_000,
        deadlineMs: 60_000,
      });
      const order: string[] = [];
      const inFlight = http.get("lb://svc/slow").then((r) => order.push(`answer ${r.data}`));
      await first;
      const closing = http.close().then(() => order.push("closed"));
      expect(http.close()).toBe(http.close());
      await expect(http.get("lb://svc/late")).rejects.toMatchObject({ code: "LB_CLOSED" });
      await expect(http.get(`http://127.0.0.1:${svc.server.port}/plain`)).rejects.toMatchObject({ code: "LB_CLOSED" });
      waiting.shift()?.end("ok");
      await Promise.all([inFlight, closing]);
      expect(order).toEqual(["answer ok", "closed"]);
      expect(svc.server.seen.requests.map((r) => r.url)).toEqual(["/slow"]);
      expect(svc.counted.live()).toBe(0);
      await svc.close();
    });
  }

  it("close() before any request, and twice, resolves; the client made nothing to leave open", async () => {
    const svc = await serviceOf();
    const http = createLbAxios({ balancer: () => svc.balancer, instancer: () => svc.counted });
    await http.close();
    await http.close();
    expect(svc.counted.live()).toBe(0);
    expect(svc.sockets).toHaveLength(0);
    await svc.close();
  });

  it("close() while the undici transport is still loading: the dispatcher it makes is closed too", async () => {
    const svc = await serviceOf();
    const http = createLbAxios({ balancer: () => svc.balancer, instancer: () => svc.counted, transport: "undici" });
    const first = http.get("lb://svc/x");
    const closing = http.close();
    expect((await first).data).toBe("ok");
    await closing;
    expect(svc.counted.live()).toBe(0);
    await allClosed(svc.sockets);
    await svc.close();
  });
});
