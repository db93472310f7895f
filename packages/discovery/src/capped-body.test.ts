import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { BodyTooLarge, readCapped } from "./capped-body.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A real loopback server; `answer` writes the body. Resolves its base URL. */
async function serve(answer: (res: import("node:http").ServerResponse) => void): Promise<string> {
  server = createServer((_req, res) => answer(res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("readCapped (a registry answer's body, bounded)", () => {
  it("returns a body under the cap byte for byte", async () => {
    const body = Buffer.from("é".repeat(10_000));
    const url = await serve((res) => res.end(body));
    const got = await readCapped((await request(url)).body, 64 * 1024);
    expect(got.equals(body)).toBe(true);
  });

  it("stops a body that never ends at the cap: BodyTooLarge, and the server sees its connection closed", async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const url = await serve((res) => {
      closed = once(res, "close");
      const chunk = Buffer.alloc(16 * 1024, 120);
      // Writes for as long as the client reads: an endless answer.
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const response = await request(url);
    await expect(readCapped(response.body, 256 * 1024)).rejects.toBeInstanceOf(BodyTooLarge);
    await closed;
  });
});
