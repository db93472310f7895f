// Field reports about pools and the global dispatcher, replayed against the lb undici dispatcher on loopback.
// Conformance sources: nodejs/undici lib/dispatcher/dispatcher-base.js (close waits for requests in flight, destroy
// ends them; a close after destroy rejects) and lib/global.js (the `undici.globalDispatcher.1` symbol that Node's
// bundled fetch reads).
import { once } from "node:events";
import { getGlobalDispatcher, setGlobalDispatcher, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { instance } from "./test-support.js";
import { fieldInstance, lbOver, ok, socketsOf } from "./undici-field-fixture.js";

describe("instance pools (field reports)", () => {
  it("nodejs/undici#4424: an instance that left the set holds no pool, and destroy() closes its last socket too", async () => {
    // An answer whose body never ends (a stream, a long download): its request stays in flight.
    const a = await fieldInstance((_request, response) => response.write("partial"));
    const sockets = socketsOf(a.server);
    const lb = lbOver([a.port]);
    // The caller never reads this body: the pool of the leaving instance cannot finish closing.
    const unread = await undiciRequest("http://svc/big", { dispatcher: lb.dispatcher });
    expect(unread.statusCode).toBe(200);
    // destroy() errors a body in flight, as undici's does (nodejs/undici#412): the caller listens.
    const broken = once(unread.body, "error");
    lb.instancer.set([]);
    expect(lb.dispatcher.poolOrigins()).toEqual([]);
    await lb.dispatcher.destroy();
    await Promise.all(sockets.map((socket) => (socket.destroyed ? undefined : once(socket, "close"))));
    expect(sockets.every((socket) => socket.destroyed)).toBe(true);
    expect(await broken).toMatchObject([{ code: "UND_ERR_DESTROYED" }]);
    lb.balancer.close();
    await a.close();
  });

  it("nodejs/undici#4806: a pool closing under an unread body rejects nothing unhandled; a returning instance gets a new pool", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const unread = await undiciRequest("http://svc/x", { dispatcher: lb.dispatcher });
    lb.instancer.set([]);
    lb.instancer.set([instance("i0", "UP", a.port)]);
    const again = await undiciRequest("http://svc/y", { dispatcher: lb.dispatcher });
    expect([again.statusCode, await again.body.text()]).toEqual([200, "ok"]);
    expect(a.seen.connections).toBe(2);
    await lb.dispatcher.destroy();
    await unread.body.text().catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled).toEqual([]);
    lb.balancer.close();
    await a.close();
  });
});

describe("keep-alive hints (field reports)", () => {
  it("nodejs/node#34560: a server's Keep-Alive: timeout=1 keeps its sockets out of the pool; timeout=60 keeps one", async () => {
    const short = await fieldInstance(ok);
    short.server.keepAliveTimeout = 1_000; // Node answers `Keep-Alive: timeout=1`
    const long = await fieldInstance(ok); // `Keep-Alive: timeout=60`
    for (const server of [short, long]) {
      const lb = lbOver([server.port], { pool: { connections: 1 } });
      for (let i = 0; i < 3; i++) {
        const answer = await undiciRequest("http://svc/k", { dispatcher: lb.dispatcher });
        await answer.body.text();
      }
      await lb.close();
    }
    // undici subtracts keepAliveTimeoutThreshold (1 s) from the hint: nothing left, so no socket is reused at the
    // moment the server may close it (the race of nodejs/node#47130 cannot start).
    expect([short.seen.connections, long.seen.connections]).toEqual([3, 1]);
    await Promise.all([short.close(), long.close()]);
  });
});

describe("the global dispatcher (field reports)", () => {
  it("nodejs/undici#4962: setGlobalDispatcher puts the lb dispatcher where Node's bundled fetch reads it", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(lb.dispatcher);
    try {
      // Node 20 bundles undici 6 (process.versions.undici); both read and write the `.1` symbol.
      expect((globalThis as Record<symbol, unknown>)[Symbol.for("undici.globalDispatcher.1")]).toBe(lb.dispatcher);
      const response = await fetch("http://svc/global");
      expect([response.status, await response.text()]).toEqual([200, "ok"]);
      expect(a.seen.requests.map((r) => r.url)).toEqual(["/global"]);
    } finally {
      setGlobalDispatcher(previous);
    }
    await lb.close();
    await a.close();
  });
});
