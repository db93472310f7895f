import { EventEmitter, once } from "node:events";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describeCall } from "@outrigger/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { disposeResult } from "./dispose-result.js";
import { createHedgePolicy } from "./hedge.js";
import { createTimeoutPolicy } from "./timeout.js";

const GET = describeCall({ method: "GET" });

/** A value that counts its disposals. */
function disposable(name: string, log: string[]) {
  return { name, [Symbol.asyncDispose]: async () => void log.push(`${name} disposed`) };
}

describe("answers nobody reads are disposed (as Polly's hedging disposes what it did not accept)", () => {
  afterEach(() => vi.useRealTimers());

  it("a hedge's loser answering in the winner's turn is disposed; the winner is not", async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const hedge = createHedgePolicy({ delayMs: 10 });
    let n = 0;
    // Both attempts ignore their signals and answer when the gate opens: the second answers after the first won.
    const done = hedge.execute(() => gate.then(() => disposable(`attempt ${n++}`, log)), undefined, GET);
    await vi.advanceTimersByTimeAsync(10);
    release();
    const winner = await done;
    await vi.advanceTimersByTimeAsync(0);
    expect(winner.name).toBe("attempt 0");
    expect(log).toEqual(["attempt 1 disposed"]);
  });

  it("a hedge whose attempts answer the same object does not dispose the winner's answer", async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const shared = disposable("cached", log);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = createHedgePolicy({ delayMs: 10 }).execute(() => gate.then(() => shared), undefined, GET);
    await vi.advanceTimersByTimeAsync(10);
    release();
    expect(await done).toBe(shared);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual([]);
  });

  it("an attempt answering after its timeout is disposed; one answering in time is not", async () => {
    vi.useFakeTimers();
    const log: string[] = [];
    const timeout = createTimeoutPolicy({ ms: 50 });
    const late = timeout.execute(
      () => new Promise((resolve) => setTimeout(() => resolve(disposable("late", log)), 80)),
    );
    const settled = expect(late).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(80);
    await settled;
    const onTime = timeout.execute(
      () => new Promise((resolve) => setTimeout(() => resolve(disposable("on time", log)), 10)),
    );
    await vi.advanceTimersByTimeAsync(10);
    await onTime;
    expect(log).toEqual(["late disposed"]);
  });

  it("leaves answers that hold nothing alone and survives disposers that throw or reject", async () => {
    for (const value of [undefined, null, 42, "text", { data: { items: [] } }, { body: "read" }]) disposeResult(value);
    const rejected = vi.fn(async () => Promise.reject(new Error("cleanup failed")));
    disposeResult({ [Symbol.asyncDispose]: rejected });
    disposeResult({
      [Symbol.dispose]: () => {
        throw new Error("cleanup threw");
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejected).toHaveBeenCalledOnce();
  });
});

/** A server that holds every response until `open(n)` has seen n requests, then starts an endless body on each. */
async function streamingServer() {
  const held: ServerResponse[] = [];
  const closed: number[] = [];
  const events = new EventEmitter();
  let want = Number.POSITIVE_INFINITY;
  const start = () => {
    for (const res of held.splice(0)) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first chunk\n"); // never ended: the body streams until the client closes it
    }
  };
  const server: Server = createServer((req, res) => {
    const index = Number(req.headers["x-attempt"] ?? -1);
    res.on("close", () => {
      closed.push(index);
      events.emit("closed");
    });
    held.push(res);
    if (held.length >= want) start();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    closed,
    /** Resolves once `count` responses have closed (their client closed the connection). */
    async closedCount(count: number): Promise<void> {
      while (closed.length < count) await once(events, "closed");
    },
    /** Starts the held responses together once `n` requests are in. */
    open(n: number) {
      want = n;
      if (held.length >= want) start();
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** One GET with node:http that ignores any signal (the attempt does not cooperate); resolves with the response. */
function get(origin: string, attempt: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/stream`, { headers: { "x-attempt": String(attempt) }, agent: false }, resolve);
    req.on("error", reject);
    req.end();
  });
}

describe("late answers over real loopback HTTP: the loser's streamed body is closed, its connection freed", () => {
  it("hedge, a Node stream answer (node:http's response): the loser's connection closes, the winner's stays", async () => {
    const server = await streamingServer();
    server.open(2);
    let n = 0;
    const hedge = createHedgePolicy({ delayMs: 1 });
    const winner = await hedge.execute(() => get(server.origin, n++), undefined, GET);
    const won = (winner as IncomingMessage & { req: { getHeader(name: string): unknown } }).req.getHeader("x-attempt");
    const loser = won === "0" ? 1 : 0;
    await server.closedCount(1);
    expect(server.closed).toEqual([loser]);
    expect(winner.destroyed).toBe(false);
    winner.destroy();
    await server.close();
  });

  it("hedge, axios' stream shape ({ data: stream }) and fetch's Response (a web ReadableStream body)", async () => {
    const server = await streamingServer();
    server.open(2);
    let n = 0;
    const axiosShaped = createHedgePolicy({ delayMs: 1 });
    const winner = await axiosShaped.execute(
      async () => ({ status: 200, data: await get(server.origin, n++) }),
      undefined,
      GET,
    );
    await server.closedCount(1);
    expect(server.closed).toHaveLength(1);
    winner.data.destroy();
    await server.close();

    const second = await streamingServer();
    second.open(2);
    let m = 0;
    // fetch without a signal: the loser's Response arrives after the winner's and is only cancelled by disposal.
    const response = await createHedgePolicy({ delayMs: 1 }).execute(
      () => fetch(`${second.origin}/stream`, { headers: { "x-attempt": String(m++) } }),
      undefined,
      GET,
    );
    await second.closedCount(1);
    expect(second.closed).toHaveLength(1);
    await response.body?.cancel();
    await second.close();
  });

  it("timeout: an answer arriving after the timeout has its stream closed", async () => {
    const server = await streamingServer();
    const timeout = createTimeoutPolicy({ ms: 20 });
    const call = timeout.execute(() => get(server.origin, 0));
    await expect(call).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    server.open(1); // the answer comes after the caller got its timeout
    await server.closedCount(1);
    expect(server.closed).toEqual([0]);
    await server.close();
  });
});
