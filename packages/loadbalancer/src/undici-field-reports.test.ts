// Field reports from nodejs/undici's tracker, replayed against the lb undici dispatcher on loopback:
// - nodejs/undici#3492: fetch reuses a keep-alive connection the server has just closed (closeIdleConnections)
//   and fails with ECONNRESET / UND_ERR_SOCKET — here a GET goes again, on a fresh connection or another instance.
// - nodejs/undici#3288: a retried PUT with a body failed with UND_ERR_REQ_CONTENT_LENGTH_MISMATCH (the body was
//   not sent again) — here the retry sends the same bytes whole.
// - nodejs/undici#4222: retrying on an error status destroyed the socket — here a held 503 is read whole and its
//   keep-alive connection is reused.
// - nodejs/undici#3157 (nodejs/node#52635): a long-lived AbortSignal passed to many requests collected abort
//   listeners — here none is left on it after 200 requests under a timeout policy.
// - nodejs/undici#5405: a retried answer's body, consumed under backpressure, never resumed (the body's resume was
//   wired to the first connection) — here a 503 held for a retry and then delivered (too large to hold) resumes
//   its own socket when the caller reads on.
// Conformance source for the retry rules: nodejs/undici lib/handler/retry-handler.js (idempotent methods only,
// retry before the caller has headers).
import { getEventListeners } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { composePolicies, createRetryPolicy, createTimeoutPolicy } from "@outrigger/resilience";
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance, writeAsRead } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

/** A loopback instance that counts its connections and records each request's method and body size. */
async function countingInstance(answer: (request: IncomingMessage, response: ServerResponse, n: number) => void) {
  const seen = { connections: 0, requests: [] as { method: string; bytes: number }[] };
  const server = createServer(async (request, response) => {
    let bytes = 0;
    for await (const chunk of request) bytes += (chunk as Buffer).length;
    seen.requests.push({ method: request.method ?? "", bytes });
    answer(request, response, seen.requests.length);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { server, seen, port, close };
}

const ok = (_request: IncomingMessage, response: ServerResponse) => response.end("ok");
const unavailable = (_request: IncomingMessage, response: ServerResponse) => {
  response.statusCode = 503;
  response.end("busy ".repeat(100));
};

/** A dispatcher over `a` then `b`, round robin from `a`. */
function overTwo(a: { port: number }, b: { port: number }, extra: object = {}) {
  const balancer = createBalancer({
    instancer: new FixedInstancer([instance("a", "UP", a.port), instance("b", "UP", b.port)]),
    rule: new RoundRobinRule({ random: () => 0 }),
  });
  const dispatcher = createLbDispatcher({ balancer: () => balancer, ...extra });
  const close = async () => {
    await dispatcher.close();
    balancer.close();
  };
  return { balancer, dispatcher, close };
}

describe("field reports replayed against the lb undici dispatcher", () => {
  it("nodejs/undici#3492: a GET right after the server closed its idle keep-alive connections is answered", async () => {
    const a = await countingInstance(ok);
    const b = await countingInstance(ok);
    const { dispatcher, close } = overTwo(a, b, { pool: { connections: 1 } });
    const get = async () => (await fetch("http://svc/x", { dispatcher } as RequestInit)).text();
    expect([await get(), await get()]).toEqual(["ok", "ok"]);
    // As in the report: the server drops its idle connections, and the next request follows at once.
    a.server.closeIdleConnections();
    b.server.closeIdleConnections();
    const answers = await new Promise<string[]>((resolve, reject) =>
      setImmediate(() => Promise.all([get(), get()]).then(resolve, reject)),
    );
    expect(answers).toEqual(["ok", "ok"]);
    await close();
    await Promise.all([a.close(), b.close()]);
  });

  it("nodejs/undici#3288: a PUT with a body retried after a 503 sends the same body whole to the next instance", async () => {
    const a = await countingInstance(unavailable);
    const b = await countingInstance(ok);
    const { dispatcher, close } = overTwo(a, b);
    const body = JSON.stringify({ foo: "bar", baz: "bat" });
    const response = await fetch("http://svc/fail", {
      method: "PUT",
      body,
      headers: { "content-type": "application/json" },
      dispatcher,
    } as RequestInit);
    expect([response.status, await response.text()]).toEqual([200, "ok"]);
    expect(a.seen.requests).toEqual([{ method: "PUT", bytes: body.length }]);
    expect(b.seen.requests).toEqual([{ method: "PUT", bytes: body.length }]);
    await close();
    await Promise.all([a.close(), b.close()]);
  });

  it("nodejs/undici#4222: a 503 held back for a retry keeps its keep-alive connection (read whole, not destroyed)", async () => {
    const a = await countingInstance(unavailable);
    const b = await countingInstance(ok);
    const { dispatcher, close } = overTwo(a, b, { pool: { connections: 1 } });
    for (let i = 0; i < 6; i++) {
      const answer = await undiciRequest("http://svc/x", { dispatcher });
      expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    }
    // Every round tried "a" (a 503, held and retried on "b"), all on one connection.
    expect(a.seen.requests.length).toBeGreaterThanOrEqual(3);
    expect(a.seen.connections).toBe(1);
    await close();
    await Promise.all([a.close(), b.close()]);
  });

  it("nodejs/undici#5405: a held 503 delivered after all (too large to hold) resumes its socket after backpressure", async () => {
    const size = 8 * 1024 * 1024;
    // Resolved when the server cannot write on (the client stopped reading: its socket's buffers are full) or is done.
    let stalled = () => {};
    const serverStalled = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    const a = await countingInstance((_request, response) => {
      response.writeHead(503, { "content-length": size });
      writeAsRead(response, size, stalled);
    });
    const b = await countingInstance(ok);
    const { dispatcher, close } = overTwo(a, b);
    const answer = await undiciRequest("http://svc/x", { dispatcher });
    // Larger than MAX_HELD_BYTES: "a"'s 503 is the answer, and it streams on from "a"'s socket.
    expect(answer.statusCode).toBe(503);
    // Nobody reads until the server is held up, so undici was told to pause (the body's buffer filled).
    await serverStalled;
    let bytes = 0;
    const read = (async () => {
      for await (const chunk of answer.body) bytes += (chunk as Buffer).length;
      return bytes;
    })();
    // Before the fix the held answer's caller got a resume that did nothing: the read stopped at what was buffered.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`hung after ${bytes} bytes`), 5_000);
    });
    expect(await Promise.race([read, hung])).toBe(size);
    clearTimeout(timer);
    expect(b.seen.requests).toEqual([]);
    await close();
    await Promise.all([a.close(), b.close()]);
  });

  it("nodejs/undici#3157: a long-lived caller signal keeps no abort listener after 200 requests under a timeout policy", async () => {
    const a = await countingInstance(ok);
    const b = await countingInstance(ok);
    const policy = composePolicies(createRetryPolicy({ maxAttempts: 2 }), createTimeoutPolicy({ ms: 5_000 }));
    const { dispatcher, close } = overTwo(a, b, { policy });
    const longLived = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    for (let i = 0; i < 200; i++) {
      const answer = await undiciRequest("http://svc/x", { dispatcher, signal: longLived.signal });
      await answer.body.text();
    }
    process.off("warning", onWarning);
    // Undici's own request API holds the last request's listener until its body stream closes (bare Pool too).
    expect(getEventListeners(longLived.signal, "abort").length).toBeLessThanOrEqual(1);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    await close();
    await Promise.all([a.close(), b.close()]);
  });
});
