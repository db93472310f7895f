import { once } from "node:events";
import http from "node:http";
import type { Socket } from "node:net";
import express from "express";
import { describe, expect, it } from "vitest";
import { adapterSuite } from "./framework-suite.js";
import { createInbound } from "./index.js";
import { Events, get, Held, listen, stop } from "./test-fixture.js";

adapterSuite("express", async (inbound, held) => {
  const app = express();
  app.use(inbound.express());
  app.get("/", (_req, res) => {
    res.send("ok");
  });
  app.get("/hold", (_req, res) => {
    void held.park().then(() => res.send("held"));
  });
  return http.createServer(app);
});

describe("express: a client gone before the middleware ran", () => {
  it("leaks no slot when an earlier async middleware outlived the client", async () => {
    const gate = new Held();
    const events = new Events();
    const inbound = createInbound({ concurrency: { max: 1 }, onEvent: events.listener });
    const app = express();
    app.use((_req, _res, next) => void gate.park().then(() => next())); // e.g. an auth lookup
    app.use(inbound.express());
    app.get("/", (_req, res) => {
      res.send("ok");
    });
    const server = http.createServer(app);
    const accepted: Socket[] = [];
    server.on("connection", (socket: Socket) => accepted.push(socket));
    const port = await listen(server);
    const req = http.request({ host: "127.0.0.1", port, path: "/" });
    req.on("error", () => {});
    req.end();
    await gate.arrived(1);
    req.destroy();
    const [socket] = accepted;
    if (socket && !socket.destroyed) await once(socket, "close"); // the server saw the client go
    gate.release();
    const next = get(port);
    await gate.arrived(2);
    gate.release();
    expect((await next).status).toBe(200);
    expect(inbound.inFlight()).toBe(0);
    await stop(server);
  });
});
