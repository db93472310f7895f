import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { registryRequest } from "./registry-http.js";

// A hostile "registry": a raw TCP server, so an answer can lie in ways node:http refuses to (a Content-Length that
// is not the body's, chunk headers of any size, a body that drips). Each case says what the client must do.

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Starts a raw server; `answer` gets each socket once the request's head has arrived. Resolves a registry URL. */
async function raw(answer: (socket: Socket) => void): Promise<string> {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    let head = "";
    const onData = (data: Buffer) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      answer(socket);
    };
    socket.on("data", onData);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return `http://user:s3cret-pw@127.0.0.1:${port}/eureka/apps`;
}

/** Writes `chunk` every `everyMs` until the socket closes. */
function drip(socket: Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write(chunk);
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
}

/** The rejection of `p`, as an object (fails the test when `p` resolves). */
async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

describe("a registry answer read by discovery, against a hostile peer (packages/discovery/src/capped-body.ts)", () => {
  it("a gzip bomb (a few KiB sent, over 256 MiB inflated) is DISCOVERY_BAD_RESPONSE, not an out-of-memory", async () => {
    // Concatenated gzip members inflate one after another (RFC 1952 §2.2; zlib's gunzip reads them all): 20 members
    // of 16 MiB of zeros are 320 MiB inflated from ~320 KiB sent — far under the 256 MiB cap as sent.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 20 }, () => member));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const url = await raw((socket) => {
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: ${bomb.length}\r\n\r\n`,
      );
      socket.end(bomb);
    });
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 30_000 }));
    expect(error.code).toBe("DISCOVERY_BAD_RESPONSE");
    expect(error.message).toMatch(/inflate to at most 256 MiB/);
    expect(error.message).not.toContain("s3cret");
  });

  it("a Content-Length larger than what is sent, then the connection closes: UNREACHABLE (a cut answer), at once", async () => {
    const url = await raw((socket) => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"ok":');
    });
    const started = Date.now();
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 30_000 }));
    expect(error.code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).not.toContain("s3cret");
  });

  it("a Content-Length of 1 TB with a body that stalls after one byte is bounded by the request timeout (browserbase/sdk-node#206)", async () => {
    const url = await raw((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000000\r\n\r\n{");
    });
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 300 }));
    expect(error.code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
  });

  it("a Content-Length smaller than the body: the declared bytes are the answer; the rest does not poison the next request", async () => {
    let answers = 0;
    const url = await raw(function answer(socket) {
      answers++;
      // 11 bytes declared ({"ok":true}), then junk that looks like a second response.
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{"evil":true}',
      );
      let head = "";
      socket.on("data", (data: Buffer) => {
        head += data.toString("latin1");
        if (head.includes("\r\n\r\n")) {
          head = "";
          answer(socket);
        }
      });
    });
    const first = await registryRequest(url, { method: "GET", timeoutMs: 5_000 });
    expect(first.body).toEqual({ ok: true });
    // The junk must never be taken as the answer to a later request.
    const second = await registryRequest(url, { method: "GET", timeoutMs: 5_000 }).catch((error: unknown) => error);
    if (second instanceof Error) expect((second as { code?: string }).code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
    else expect((second as { body: unknown }).body).toEqual({ ok: true });
    expect(answers).toBeGreaterThanOrEqual(1);
  });

  it("a slow-drip body (a byte every 20 ms, without end) is cut by the request timeout, not read for ever (nodejs/undici#3297: an idle timer alone never fires)", async () => {
    const url = await raw((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
      drip(socket, "1\r\n \r\n", 20);
    });
    const started = Date.now();
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
    expect(error.message).not.toContain("s3cret");
  });

  it("a gzip slow-drip (headers say gzip; bytes drip) is cut by the request timeout too", async () => {
    const url = await raw((socket) => {
      socket.write(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n",
      );
      drip(socket, "1\r\n\x1f\r\n", 20);
    });
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 300 }));
    expect(error.code).toBe("DISCOVERY_REGISTRY_UNREACHABLE");
  });

  it("a chunk size of 2^72 (hex overflow) is refused at once with a stable code, not read", async () => {
    const url = await raw((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
      socket.write("1000000000000000000\r\n{");
    });
    const started = Date.now();
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 10_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(["DISCOVERY_REGISTRY_UNREACHABLE", "DISCOVERY_BAD_RESPONSE"]).toContain(error.code);
  });

  it("a chunk header with 16 MiB of chunk extensions is refused or bounded, never held", async () => {
    const url = await raw((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n2;ext=");
      const piece = "a".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (!socket.destroyed && sent < 256 && socket.write(piece)) sent++;
        if (!socket.destroyed && sent < 256) socket.once("drain", pump);
      };
      pump();
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const error = await rejection(registryRequest(url, { method: "GET", timeoutMs: 2_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(["DISCOVERY_REGISTRY_UNREACHABLE", "DISCOVERY_BAD_RESPONSE"]).toContain(error.code);
    // The extension bytes are parsed and dropped, not collected (16 MiB sent; well under that held).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });
});
