// Conformance sources: nodejs/undici lib/dispatcher/dispatcher-base.js and lib/handler/retry-handler.js (the
// handler protocol: onConnect once, onHeaders/onData/onComplete or onError; a retry only before headers reach the
// caller), lib/global.js (setGlobalDispatcher's symbol, read by Node's bundled fetch).
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { getGlobalDispatcher, setGlobalDispatcher, fetch as undiciFetch, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { type Behaviour, startInstances } from "./seam/seam-fixture.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let fixture: Awaited<ReturnType<typeof startInstances>>;
beforeAll(async () => {
  fixture = await startInstances(["ok", "refuse", "hang", "503", "reset-after-read"]);
});
afterAll(() => fixture.close());

const dispatcherOver = (ids: readonly Behaviour[], extra: { perTryTimeoutMs?: number } = {}) => {
  const balancer = fixture.balancer(ids);
  return {
    balancer,
    dispatcher: createLbDispatcher({ balancer: (s) => (s === "svc" ? balancer : undefined), ...extra }),
  };
};

describe("lb dispatcher from undici.request", () => {
  it("retries a refused connection on another instance, for GET and for POST (never sent)", async () => {
    const { dispatcher } = dispatcherOver(["refuse", "ok"]);
    const get = await undiciRequest("http://svc/a", { dispatcher });
    expect(get.statusCode).toBe(200);
    expect(await get.body.json()).toMatchObject({ from: "ok" });
    const { dispatcher: second } = dispatcherOver(["refuse", "ok"]);
    const post = await undiciRequest("http://svc/a", { dispatcher: second, method: "POST", body: "abc" });
    expect(await post.body.json()).toMatchObject({ from: "ok", bytes: 3 });
    await Promise.all([dispatcher.close(), second.close()]);
  });

  it("takes lb:// origins on the dispatcher's own request API", async () => {
    const { dispatcher } = dispatcherOver(["ok"]);
    const answer = await dispatcher.request({ origin: "lb://svc", path: "/x?y=1", method: "GET" });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    await dispatcher.close();
  });

  it("cancels an attempt at the per-try timeout, blames that instance and answers from the next", async () => {
    fixture.reset();
    const { balancer, dispatcher } = dispatcherOver(["hang", "ok"], { perTryTimeoutMs: 150 });
    const answer = await undiciRequest("http://svc/slow", { dispatcher });
    expect(await answer.body.json()).toMatchObject({ from: "ok" });
    expect(fixture.get("hang").received).toBe(1);
    expect(balancer.stats("hang")?.consecutiveFailures).toBe(1);
    await dispatcher.close();
  });

  it("hands back the last instance's retryable answer whole when no instance is left", async () => {
    const { dispatcher } = dispatcherOver(["503"]);
    const answer = await undiciRequest("http://svc/a", { dispatcher });
    expect(answer.statusCode).toBe(503);
    expect(await answer.body.json()).toMatchObject({ from: "503" });
    await dispatcher.close();
  });
});

describe("lb dispatcher from fetch", () => {
  it("ejects an instance answering 5xx (outlier feed) while every fetch gets the healthy one's answer", async () => {
    fixture.reset();
    const { balancer, dispatcher } = dispatcherOver(["503", "ok"]);
    const ejected: string[] = [];
    balancer.onEjection((event) => ejected.push(event.instance.id));
    for (let i = 0; i < 12; i++) {
      const response = await undiciFetch("http://svc/a", { dispatcher });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    expect(ejected).toEqual(["503"]);
    // Envoy's consecutive_5xx (5): the sixth request onward never reaches the ejected instance.
    expect(fixture.get("503").received).toBe(5);
    await dispatcher.close();
  });

  it("works from Node's own fetch (its bundled undici) through setGlobalDispatcher, other hosts passing through", async () => {
    const plain: Server = createServer((_, response) => response.end("plain"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const { dispatcher } = dispatcherOver(["refuse", "ok"]);
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(dispatcher);
    try {
      const balanced = await fetch("http://svc/a");
      expect(await balanced.json()).toMatchObject({ from: "ok" });
      const other = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`);
      expect(await other.text()).toBe("plain");
      const withOption = await fetch("http://svc/b", { dispatcher } as RequestInit);
      expect(withOption.status).toBe(200);
      await withOption.arrayBuffer();
    } finally {
      setGlobalDispatcher(previous);
      await dispatcher.close();
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it("counts fetch's AbortSignal abort as the caller's, not the instance's, failure", async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const silent: Server = createServer(() => arrived());
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    fixture.reset();
    const instancer = new FixedInstancer([
      instance("silent", "UP", port),
      instance("ok", "UP", fixture.get("ok").port),
    ]);
    const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }) });
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    const controller = new AbortController();
    const pending = undiciFetch("http://svc/a", { dispatcher, signal: controller.signal });
    await reached;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(balancer.stats("silent")?.consecutiveFailures).toBe(0);
    expect(fixture.get("ok").received).toBe(0);
    await dispatcher.destroy();
    balancer.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

/** A server that resets each keep-alive socket when a second request arrives on it (a stale pooled socket). */
async function resettingServer() {
  const seen = { requests: 0, methods: [] as string[] };
  const uses = new WeakMap<Socket, number>();
  const server = createServer((request, response) => {
    const socket = request.socket;
    const use = (uses.get(socket) ?? 0) + 1;
    uses.set(socket, use);
    seen.requests++;
    seen.methods.push(request.method ?? "");
    if (use > 1) {
      socket.resetAndDestroy();
      return;
    }
    response.end(JSON.stringify({ from: "resetting" }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

describe("a keep-alive socket the server reset", () => {
  it("is retried on a fresh connection for GET but not for POST (which may have been processed)", async () => {
    const resetting = await resettingServer();
    const instancer = new FixedInstancer([
      instance("resetting", "UP", resetting.port),
      instance("ok", "UP", fixture.get("ok").port),
    ]);
    const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }) });
    const dispatcher = createLbDispatcher({ balancer: () => balancer, pool: { connections: 1 } });
    const send = async (method: "GET" | "POST") => {
      const answer = await undiciRequest("http://svc/a", {
        dispatcher,
        method,
        ...(method === "POST" ? { body: "x" } : {}),
      });
      return { status: answer.statusCode, body: (await answer.body.json()) as { from: string } };
    };
    // First round: each instance gets a connection that stays open (keep-alive).
    expect((await send("GET")).body.from).toBe("resetting");
    expect((await send("GET")).body.from).toBe("ok");
    // The pooled socket to "resetting" is now reset when used: a GET goes again, to a fresh connection.
    expect((await send("GET")).body.from).toBe("ok");
    // A retry's pick keeps round robin's place: "ok", then "resetting" on a fresh connection, then "ok".
    expect((await send("GET")).body.from).toBe("ok");
    expect((await send("GET")).body.from).toBe("resetting");
    expect((await send("GET")).body.from).toBe("ok");
    expect(resetting.seen.methods).toEqual(["GET", "GET", "GET"]);
    fixture.reset();
    await expect(send("POST")).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/) });
    expect(resetting.seen.methods.at(-1)).toBe("POST");
    expect(fixture.get("ok").received).toBe(0);
    await dispatcher.close();
    balancer.close();
    await new Promise((resolve) => resetting.server.close(resolve));
  });
});

describe("instance pools", () => {
  it("closes an instance's pool when it leaves the instancer's set", async () => {
    const instancer = new FixedInstancer([instance("ok", "UP", fixture.get("ok").port)]);
    const balancer = createBalancer({ instancer });
    const dispatcher = createLbDispatcher({ balancer: () => balancer, instancer: () => instancer });
    await (await undiciRequest("http://svc/a", { dispatcher })).body.dump();
    expect(dispatcher.poolOrigins()).toEqual([`http://127.0.0.1:${fixture.get("ok").port}`]);
    instancer.set([]);
    expect(dispatcher.poolOrigins()).toEqual([]);
    await dispatcher.close();
    balancer.close();
  });

  it("refuses requests after close with LB_CLOSED", async () => {
    const { dispatcher } = dispatcherOver(["ok"]);
    await dispatcher.close();
    await expect(undiciRequest("http://svc/a", { dispatcher })).rejects.toMatchObject({ code: "LB_CLOSED" });
  });
});
