import { once } from "node:events";
import http, { type Server } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createInbound } from "./index.js";
import { Events, get, Held, listen, stop } from "./test-fixture.js";

// Drain as Spring Boot's graceful shutdown (stop admitting, let in-flight requests finish) and Envoy's drain
// (HTTP/1.1 responses carry `Connection: close`: envoyproxy/envoy source/common/http/conn_manager_impl.cc).
let server: Server | undefined;
let agent: http.Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  if (server) await stop(server);
  server = undefined;
});

async function start() {
  const held = new Held();
  const events = new Events();
  const inbound = createInbound({ onEvent: events.listener });
  server = http.createServer(
    inbound.nodeHandler((req, res) => {
      if (req.url === "/hold") void held.park().then(() => res.end("held"));
      else if (req.url === "/stream") {
        res.writeHead(200, { "content-type": "text/plain" }); // headers out before drain starts
        res.write("first part;");
        void held.park().then(() => res.end("last part"));
      } else res.end("ok");
    }),
  );
  agent = new http.Agent({ keepAlive: true });
  const sockets: Socket[] = [];
  agent.on("free", (socket: Socket) => {
    if (!sockets.includes(socket)) sockets.push(socket);
  });
  return { inbound, held, events, sockets, port: await listen(server) };
}

const closed = (socket: Socket) => (socket.destroyed ? Promise.resolve() : once(socket, "close"));

describe("draining()", () => {
  it("under load: every in-flight request completes, new ones get 503 + Connection: close, keep-alive sockets close", async () => {
    const { inbound, held, port, events } = await start();
    const load = 50;
    const inFlight = Array.from({ length: load }, () => get(port, "/hold", { agent }));
    await held.arrived(load);
    const drained = inbound.draining();
    let drainedYet = false;
    void drained.then(() => {
      drainedYet = true;
    });

    // New requests while draining (fresh connections; the keep-alive ones are all busy).
    const refused = await Promise.all(Array.from({ length: 10 }, () => get(port, "/")));
    for (const reply of refused) {
      expect(reply.status).toBe(503);
      expect(reply.headers.connection).toBe("close");
      expect(JSON.parse(reply.body).code).toBe("OUTRIGGER_DRAINING");
    }
    expect(drainedYet).toBe(false);
    expect(inbound.inFlight()).toBe(load);

    held.release();
    const replies = await Promise.all(inFlight);
    expect(replies.filter((r) => r.status === 200 && r.body === "held")).toHaveLength(load); // 0 dropped
    // Set on responses whose headers were not out yet, so each client stops reusing its connection.
    expect(replies.every((r) => r.headers.connection === "close")).toBe(true);
    await drained;
    expect(inbound.inFlight()).toBe(0);
    expect(events.count("finished")).toBe(load);
    expect(events.seen.filter((e) => e.type === "finished" && e.aborted)).toHaveLength(0);
    // With no connection left, server.close() completes by itself (no closeAllConnections needed).
    await new Promise<void>((resolve, reject) => server?.close((error) => (error ? reject(error) : resolve())));
    server = undefined;
  });

  it("leaves an idle keep-alive connection open (its client may be writing on it); its next request: 503 + close", async () => {
    // Cutting it at drain start raced the client's next request (UND_ERR_SOCKET / ECONNRESET under load).
    const { inbound, port, sockets } = await start();
    expect((await get(port, "/", { agent })).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve)); // the agent parks the socket on 'free'
    const [socket] = sockets;
    if (!socket) throw new Error("no socket");
    await inbound.draining(); // nothing in flight: resolves at once
    expect(socket.destroyed).toBe(false);
    const reply = await get(port, "/", { agent });
    expect([reply.status, reply.headers.connection]).toEqual([503, "close"]);
    await closed(socket);
  });

  it("closes a keep-alive connection whose response headers were already out once that response ends", async () => {
    // Node 20's server.close() alone leaves such a connection open after its response (keep-alive was promised).
    const { inbound, held, port } = await start();
    const streamed = get(port, "/stream", { agent });
    await held.arrived(1);
    // Shutdown as the entry point does it: stop accepting, then drain. server.close() reaps the connections idle
    // at this moment only; this one is busy, and its response already promised keep-alive.
    const serverClosed = new Promise<void>((resolve, reject) =>
      server?.close((error) => (error ? reject(error) : resolve())),
    );
    const drained = inbound.draining();
    held.release();
    const reply = await streamed;
    expect(reply.body).toBe("first part;last part");
    expect(reply.headers.connection).toBe("keep-alive"); // too late to say otherwise...
    await drained;
    await serverClosed; // ...so the middleware ends the connection itself once nothing is answering on it
    server = undefined;
  });

  it("is idempotent and resolves at once with nothing in flight", async () => {
    const { inbound } = await start();
    const first = inbound.draining();
    expect(inbound.draining()).toBe(first);
    await first;
  });

  it("lets a keep-alive client whose connection drain closed reconnect and get 503, not a reset", async () => {
    const { inbound, held, port, sockets } = await start();
    const parked = get(port, "/hold", { agent }); // keeps the connection busy, so drain does not end it yet
    await held.arrived(1);
    const drained = inbound.draining();
    held.release();
    await parked;
    await drained;
    const [socket] = sockets;
    if (socket) await closed(socket);
    expect((await get(port, "/", { agent })).status).toBe(503);
  });
});
