import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./server.js";

const closed = (socket: Socket): Promise<string> =>
  new Promise((resolve) => {
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
    });
    socket.on("error", () => undefined);
    socket.once("close", () => resolve(data));
  });

describe("connection limits (real sockets)", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers 408 to a body trickled past the request timeout (fastify's requestTimeout was 0: never)", async () => {
    server = await startServer({ port: 0, requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 });
    const socket = connect(server.port, "127.0.0.1");
    const done = closed(socket);
    socket.write(
      "POST /eureka/apps/SLOW HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    const trickle = setInterval(() => socket.writable && socket.write(" "), 100);
    const answer = await done;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });

  it("closes a socket that never sends a byte after the headers timeout", async () => {
    server = await startServer({ port: 0, headersTimeoutMs: 300 });
    const started = performance.now();
    await closed(connect(server.port, "127.0.0.1"));
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("closes connections over the per-address cap at once, and serves again once they are gone", async () => {
    server = await startServer({ port: 0, maxConnectionsPerIp: 3 });
    const sockets = Array.from({ length: 5 }, () => connect(server?.port as number, "127.0.0.1"));
    const ends = sockets.map(closed);
    await Promise.race([ends[3], ends[4]]);
    for (const socket of sockets) socket.destroy();
    await Promise.all(ends);
    expect((await fetch(`${server.url}/eureka/apps`)).status).toBe(200);
  });
});
