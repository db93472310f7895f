// request/request#1925, valyala/fasthttp#2358: a stream body followed through a 307 arrived empty — a stream is
// read once. follow-redirects (axios' http adapter) records what it writes and sends it again
// (`_requestBodyBuffers`); undici's RedirectHandler does not follow with a disturbed body.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUndiciLbAxios } from "./axios-undici.js";
import { createBalancer } from "./balancer.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let svc: Server;
const received: { path: string; bytes: number }[] = [];
beforeAll(async () => {
  // Reads the whole body first, as a real handler does, then redirects or says how many bytes it got.
  svc = createServer(async (request, response) => {
    if (request.url === "/early") {
      // Redirects before reading the body: a handler need not read it (most redirect handlers do not).
      received.push({ path: "/early", bytes: -1 });
      response.writeHead(307, { location: "/landed" }).end();
      return;
    }
    let bytes = 0;
    for await (const chunk of request) bytes += (chunk as Buffer).length;
    const path = request.url ?? "";
    received.push({ path, bytes });
    if (path === "/temporary" || path === "/permanent") {
      response.writeHead(path === "/temporary" ? 307 : 308, { location: "/landed" }).end();
      return;
    }
    response.end(String(bytes));
  });
  await new Promise<void>((resolve) => svc.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  svc.closeAllConnections();
  await new Promise((resolve) => svc.close(resolve));
});

function client() {
  const port = (svc.address() as AddressInfo).port;
  const balancer = createBalancer({ instancer: new FixedInstancer([instance("i0", "UP", port)]) });
  const dispatcher = createLbDispatcher({ balancer: () => balancer });
  return { http: createUndiciLbAxios(dispatcher), close: () => dispatcher.close().then(() => balancer.close()) };
}

const hello = () => Readable.from([Buffer.from("hel"), Buffer.from("lo")]);

describe("axios on undici: a stream body through a redirect that keeps it", () => {
  it.each(["/temporary", "/permanent"])("sends the whole stream again after %s (307/308)", async (path) => {
    received.length = 0;
    const { http, close } = client();
    const answer = await http.post(`lb://svc${path}`, hello());
    expect(answer.data).toBe(5);
    expect(received).toEqual([
      { path, bytes: 5 },
      { path: "/landed", bytes: 5 },
    ]);
    await close();
  });

  it("refuses, naming the redirect, a stream larger than what is held for one (maxBodyLength)", async () => {
    received.length = 0;
    const { http, close } = client();
    const sent = http.post("lb://svc/temporary", hello(), { maxBodyLength: 4 });
    await expect(sent).rejects.toMatchObject({
      code: "ERR_FR_REDIRECTION_FAILURE",
      message: expect.stringContaining("307 redirect to /landed"),
    });
    // Sent whole the first time; never sent empty to the target.
    expect(received).toEqual([{ path: "/temporary", bytes: 5 }]);
    await close();
  });

  it("sends a stream as it comes when redirects are off (maxRedirects: 0)", async () => {
    received.length = 0;
    const { http, close } = client();
    expect((await http.post("lb://svc/plain", hello(), { maxRedirects: 0 })).data).toBe(5);
    expect(received).toEqual([{ path: "/plain", bytes: 5 }]);
    await close();
  });

  it("sends the whole body after a 307 answered before the body was read (a slow stream)", async () => {
    received.length = 0;
    const { http, close } = client();
    const slow = Readable.from(
      (async function* () {
        for (const part of ["abcd", "efgh", "ijkl"]) {
          yield Buffer.from(part);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
    );
    const answer = await http.post("lb://svc/early", slow);
    expect(answer.data).toBe(12);
    expect(received).toEqual([
      { path: "/early", bytes: -1 },
      { path: "/landed", bytes: 12 },
    ]);
    await close();
  });
});
