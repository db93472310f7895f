// Field reports about the HTTP exchange itself, replayed against the lb undici dispatcher on loopback. Conformance
// sources: RFC 9112 §6.3 (message body length), nodejs/undici lib/dispatcher/client-h1.js (HEAD, upgrade, CONNECT)
// and lib/core/request.js (the `expect` header refused), Envoy's retry_on `reset` (source/common/router/retry_state_impl.cc).
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { createTimeoutPolicy } from "@outrigger/resilience";
import {
  errors,
  interceptors,
  connect as undiciConnect,
  fetch as undiciFetch,
  request as undiciRequest,
  upgrade as undiciUpgrade,
} from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver, ok, pairOf, resetOnReuse, unavailable } from "./undici-field-fixture.js";

/** A raw TCP instance that writes `reply` for every request it reads (for answers node:http will not send). */
async function rawInstance(reply: string) {
  const seen = { requests: 0 };
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("data", () => {
      seen.requests++;
      socket.write(reply);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  return { port: (server.address() as AddressInfo).port, seen, close };
}

describe("the HTTP exchange (field reports)", () => {
  it("sbstp/attohttpc#201: HEAD, 204 and 304 answers end at their headers whatever Content-Length says", async () => {
    const a = await fieldInstance((request, response) => {
      response.statusCode = request.url === "/none" ? 204 : request.url === "/same" ? 304 : 200;
      if (request.method === "HEAD") response.setHeader("content-length", "1234");
      response.end();
    });
    const lb = lbOver([a.port]);
    const head = await undiciRequest("http://svc/h", { method: "HEAD", dispatcher: lb.dispatcher });
    expect([head.statusCode, head.headers["content-length"], await head.body.text()]).toEqual([200, "1234", ""]);
    const none = await undiciFetch("http://svc/none", { method: "DELETE", dispatcher: lb.dispatcher });
    expect([none.status, await none.text()]).toEqual([204, ""]);
    const same = await undiciFetch("http://svc/same", {
      headers: { "if-none-match": '"v1"' },
      dispatcher: lb.dispatcher,
    });
    expect([same.status, await same.text()]).toEqual([304, ""]);
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await a.close();
  });

  it("envoyproxy/envoy#11398: an answer with both Transfer-Encoding and Content-Length is refused; a GET goes to the next instance, a POST does not", async () => {
    const smuggling = await rawInstance(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nevil!\r\n0\r\n\r\n",
    );
    const b = await fieldInstance(ok);
    const lb = lbOver([smuggling.port, b.port]);
    const answer = await undiciRequest("http://svc/x", { dispatcher: lb.dispatcher });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    expect(smuggling.seen.requests).toBe(1);
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(1);
    // A POST may have been processed by the instance that answered so: it is not sent again.
    const fresh = lbOver([smuggling.port, b.port]);
    const post = undiciRequest("http://svc/x", { method: "POST", body: "once", dispatcher: fresh.dispatcher });
    await expect(post).rejects.toMatchObject({ code: "UND_ERR_RES_CONTENT_LENGTH_MISMATCH" });
    expect([smuggling.seen.requests, b.seen.requests.map((r) => r.method)]).toEqual([2, ["GET"]]);
    await Promise.all([lb.close(), fresh.close()]);
    await Promise.all([smuggling.close(), b.close()]);
  });

  it("nodejs/undici#197: Expect: 100-continue is refused as undici refuses it, without blaming the instance", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    for (let i = 0; i < 6; i++) {
      await expect(
        undiciRequest("http://svc/up", {
          method: "PUT",
          body: "x",
          headers: { expect: "100-continue" },
          dispatcher: lb.dispatcher,
        }),
      ).rejects.toBeInstanceOf(errors.NotSupportedError);
    }
    expect(a.seen.requests).toEqual([]);
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await a.close();
  });

  it("nodejs/undici#202: an upgrade and a CONNECT reach one instance and hand its socket to the caller, not retried", async () => {
    const a = await fieldInstance(ok);
    a.server.on("upgrade", (_request, socket: Socket) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
      socket.pipe(socket);
    });
    a.server.on("connect", (_request, socket: Socket) => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      socket.pipe(socket);
    });
    const lb = lbOver([a.port]);
    const upgraded = await undiciUpgrade("http://svc/ws", { protocol: "echo", dispatcher: lb.dispatcher });
    expect(upgraded.headers.upgrade).toBe("echo");
    const tunnel = await undiciConnect("http://svc/", { dispatcher: lb.dispatcher });
    expect(tunnel.statusCode).toBe(200);
    for (const socket of [upgraded.socket, tunnel.socket]) {
      const echoed = new Promise<string>((resolve) => socket.once("data", (chunk: Buffer) => resolve(String(chunk))));
      socket.write("ping");
      expect(await echoed).toBe("ping");
      socket.destroy();
    }
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await a.close();
  });

  it("nodejs/undici#1864: the pool's headersTimeout is honoured; a GET that timed out on one instance goes to the next", async () => {
    const { lb, close } = await pairOf(() => undefined, ok, { pool: { headersTimeout: 100 } });
    const answer = await undiciRequest("http://svc/slow", { dispatcher: lb.dispatcher });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(1);
    await close();
  });

  it.each([
    ["perTryTimeoutMs", { perTryTimeoutMs: 150 }],
    ["a timeout policy", { policy: createTimeoutPolicy({ ms: 150 }) }],
  ])(
    "nodejs/undici#1864 (body): %s ends with the headers, as Envoy's per-try timeout; a body slower than it arrives whole",
    async (_name, timeout) => {
      // Headers and a first chunk, then the rest only when the test says so.
      let release = () => {};
      const { b, lb, close } = await pairOf(
        (_request, response) => {
          response.write("first ");
          release = () => response.end("rest");
        },
        ok,
        timeout,
      );
      const answer = await undiciRequest("http://svc/slow-body", { dispatcher: lb.dispatcher });
      expect(answer.statusCode).toBe(200);
      const text = answer.body.text();
      // Twice the per-try timeout: before, the timer broke the body the caller was reading (LB_ATTEMPT_TIMEOUT) and
      // blamed the instance (source/common/router/upstream_request.cc `onPerTryTimeout`: ignored once the response
      // started downstream).
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      expect(await text).toBe("first rest");
      expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
      expect(b.seen.requests).toEqual([]);
      await close();
    },
  );

  it("nodejs/undici#1864 (stalled body): the deadline ends a body that stalls after the headers; the instance is not blamed", async () => {
    const { b, lb, close } = await pairOf((_request, response) => response.write("first "), ok, {
      perTryTimeoutMs: 100,
      deadlineMs: 400,
    });
    const answer = await undiciRequest("http://svc/stall", { dispatcher: lb.dispatcher });
    expect(answer.statusCode).toBe(200);
    // The caller already had the headers: no retry; the route's timeout (Envoy) breaks the body.
    await expect(answer.body.text()).rejects.toMatchObject({ code: "LB_DEADLINE_EXCEEDED" });
    // As Envoy's router.cc `onResponseTimeout`: a timeout counts for outlier detection only while awaiting headers.
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    expect(b.seen.requests).toEqual([]);
    await close();
  });

  it("nodejs/node#47130: a GET on a reused keep-alive connection the only instance reset goes again on a fresh connection", async () => {
    const a = await fieldInstance(resetOnReuse());
    const lb = lbOver([a.port], { pool: { connections: 1 } });
    const get = async () => (await undiciRequest("http://svc/x", { dispatcher: lb.dispatcher })).body.text();
    expect(await get()).toBe("ok");
    expect(await get()).toBe("ok");
    expect(a.seen.requests.length).toBe(3);
    expect(a.seen.connections).toBe(2);
    await lb.close();
    await a.close();
  });

  it("nodejs/undici#4563: fetch drops Authorization on a redirect to another origin and keeps it within the service", async () => {
    const other = await fieldInstance(ok);
    const a = await fieldInstance((request, response) => {
      response.statusCode = 302;
      response.setHeader("location", request.url === "/away" ? `http://127.0.0.1:${other.port}/t` : "/ok");
      response.end();
    });
    const lb = lbOver([a.port]);
    const headers = { authorization: "Bearer s3cret" };
    await (await undiciFetch("http://svc/away", { headers, dispatcher: lb.dispatcher })).text();
    expect(other.seen.requests[0]?.headers.authorization).toBeUndefined();
    const manual = await undiciFetch("http://svc/here", { headers, redirect: "manual", dispatcher: lb.dispatcher });
    expect([manual.status, manual.headers.get("location")]).toEqual([302, "/ok"]);
    await manual.arrayBuffer();
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await Promise.all([a.close(), other.close()]);
  });

  it("nodejs/undici#2826: dispatcher.compose(interceptors.retry) re-dispatches a 503 through the balancer, to the next instance", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok, { retry: false });
    const retrying = interceptors.retry({ maxRetries: 1, minTimeout: 1, statusCodes: [503], methods: ["GET"] });
    const answer = await undiciRequest("http://svc/r", { dispatcher: lb.dispatcher.compose(retrying) });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    expect([a.seen.requests.length, b.seen.requests.length]).toEqual([1, 1]);
    await close();
  });

  it("nodejs/undici#2826: dispatcher.compose(interceptors.redirect) follows a relative redirect through the balancer", async () => {
    const a = await fieldInstance((request, response) => {
      if (request.url === "/old") {
        response.statusCode = 301;
        response.setHeader("location", "/new");
        response.end();
      } else response.end(`at ${request.url}`);
    });
    const b = await fieldInstance((request, response) => response.end(`b at ${request.url}`));
    const lb = lbOver([a.port, b.port]);
    const composed = lb.dispatcher.compose(interceptors.redirect({ maxRedirections: 2 }));
    const answer = await undiciRequest("http://svc/old", { dispatcher: composed });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "b at /new"]);
    await lb.close();
    await Promise.all([a.close(), b.close()]);
  });
});
