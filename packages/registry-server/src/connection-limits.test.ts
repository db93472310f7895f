import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { testAuthority } from "./e2e/test-certificates.js";
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

/** Starts a request whose body then trickles a byte every 100 ms; resolves with what came back before the close. */
async function trickledBody(socket: Socket, ready: string): Promise<string> {
  const done = closed(socket);
  let trickle: NodeJS.Timeout | undefined;
  socket.once(ready, () => {
    socket.write(
      "POST /eureka/apps/SLOW HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    );
    // Only once the request line is out: a TLS handshake slower than 100 ms (a loaded machine) otherwise queued
    // spaces ahead of it, and the server rightly answered 400.
    trickle = setInterval(() => socket.writable && socket.write(" "), 100);
  });
  const answer = await done;
  clearInterval(trickle);
  return answer;
}

describe("connection limits (real sockets)", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers 408 to a body trickled past the request timeout (fastify's requestTimeout was 0: never)", async () => {
    server = await startServer({ port: 0, requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 });
    expect(await trickledBody(connect(server.port, "127.0.0.1"), "connect")).toMatch(/^HTTP\/1.1 408/);
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

describe("connection limits over TLS (--tls-cert/--tls-key, real sockets)", () => {
  const authority = testAuthority();
  const { certFile, keyFile } = authority.issue("limits");
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("answers 408 to a body trickled past the request timeout (fastify gives `http` options to HTTP servers only)", async () => {
    server = await startServer({ port: 0, tlsCert: certFile, tlsKey: keyFile, requestTimeoutMs: 1_000 });
    const socket = tlsConnect({ port: server.port, host: "127.0.0.1", ca: authority.ca });
    expect(await trickledBody(socket, "secureConnect")).toMatch(/^HTTP\/1.1 408/);
  });

  it("closes a TCP socket that never starts the TLS handshake after the headers timeout", async () => {
    server = await startServer({ port: 0, tlsCert: certFile, tlsKey: keyFile, headersTimeoutMs: 300 });
    const started = performance.now();
    await closed(connect(server.port, "127.0.0.1"));
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("answers a second request on a TLS keep-alive connection sent after the first-headers deadline", async () => {
    server = await startServer({ port: 0, tlsCert: certFile, tlsKey: keyFile, headersTimeoutMs: 300 });
    const socket = tlsConnect({ port: server.port, host: "127.0.0.1", ca: authority.ca });
    const done = closed(socket);
    let answers = 0;
    const answered = () =>
      new Promise<void>((resolve) => {
        const seen = answers;
        const onData = (chunk: Buffer) => {
          answers += String(chunk).split("HTTP/1.1 200").length - 1;
          if (answers > seen) {
            socket.off("data", onData);
            resolve();
          }
        };
        socket.on("data", onData);
      });
    const first = answered();
    socket.once("secureConnect", () => socket.write("GET /eureka/apps HTTP/1.1\r\nHost: x\r\n\r\n"));
    await first;
    // Twice the deadline: the guard's timer sits on the TCP socket under the TLS one, and the first request on the
    // TLS socket must have cleared it, or the connection is gone by now.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const second = answered();
    socket.write("GET /eureka/apps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await second;
    await done;
    expect(answers).toBe(2);
  });

  it("closes TLS connections over the per-address cap at once", async () => {
    server = await startServer({ port: 0, tlsCert: certFile, tlsKey: keyFile, maxConnectionsPerIp: 2 });
    const sockets = Array.from({ length: 4 }, () =>
      tlsConnect({ port: server?.port as number, host: "127.0.0.1", ca: authority.ca }),
    );
    const ends = sockets.map(closed);
    await Promise.race([ends[2], ends[3]]);
    for (const socket of sockets) socket.destroy();
    await Promise.all(ends);
  });
});
