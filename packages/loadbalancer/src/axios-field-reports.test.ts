// axios field reports replayed against createLbAxios on both transports (undici, the default, and axios' node:http
// adapter), with real loopback servers. Each test names the report (repo#number). Conformance source: axios
// lib/adapters/http.js (dispatchBeforeRedirect, sensitiveHeaders, maxBodyLength, createTimeoutError, abort) and
// follow-redirects index.js (sensitiveHeaders dropped across origins).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Readable } from "node:stream";
import { FixedInstancer } from "@outrigger/discovery";
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import type { LbAxiosTransport } from "./axios-transport.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance, writeAsRead } from "./test-support.js";

const servers: Server[] = [];
const port: Record<string, number> = {};
/** What each server received: method, path and body length, in order. */
const seen: Record<string, Array<{ method: string; path: string; bytes: number }>> = {};
/** Requests the silent server holds, so a test can abort once its request arrived. */
let onSilent: (() => void) | undefined;

/** A loopback server that records each request (its body read first), then lets `handle` answer it. */
async function start(name: string, handle: (request: IncomingMessage, response: ServerResponse) => void) {
  seen[name] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    seen[name]?.push({ method: request.method ?? "", path: request.url ?? "", bytes: body.length });
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  port[name] = (server.address() as AddressInfo).port;
}

/** The big 503's size: more than loopback's socket buffers hold, so a body nobody reads stalls its server. */
const BIG = 32 * 1024 * 1024;
/** Resolves when the last big 503 closed: sent whole, or its connection went. */
let bigClosed: Promise<void> = Promise.resolve();

/** Requests each socket of the keep-alive server has carried. */
const carried = new WeakMap<Socket, number>();

beforeAll(async () => {
  // Echoes the headers it got.
  await start("echo", (request, response) => response.end(JSON.stringify(request.headers)));
  // Redirects across origins (to echo) or within its own origin (to its /here).
  await start("redirect", (request, response) => {
    const to = request.url === "/same" ? "/here" : `http://127.0.0.1:${port.echo}/there`;
    if (request.url === "/here") return void response.end(JSON.stringify(request.headers));
    response.writeHead(302, { location: to }).end();
  });
  await start("busy", (_request, response) => response.writeHead(503).end());
  await start("silent", () => onSilent?.());
  // A 503 with a body larger than the socket buffers, written as the client reads it.
  await start("bigbusy", (_request, response) => {
    bigClosed = new Promise((resolve) => response.on("close", resolve));
    response.writeHead(503, { "content-length": BIG });
    writeAsRead(response, BIG);
  });
  // Answers the first request of each connection with keep-alive; closes the connection under any later one
  // without a word: the race of a reused keep-alive socket the server is closing (nodejs/node#47130).
  await start("closing", (request, response) => {
    const count = (carried.get(request.socket) ?? 0) + 1;
    carried.set(request.socket, count);
    if (count > 1) return void request.socket.destroy();
    response.end("ok");
  });
});
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

const client = (
  names: string[],
  transport: LbAxiosTransport,
  options: Omit<Parameters<typeof createLbAxios>[0], "balancer" | "transport"> = {},
) => {
  const balancer = createBalancer({
    instancer: new FixedInstancer(names.map((name) => instance(name, "UP", port[name]))),
    rule: new RoundRobinRule({ random: () => 0 }),
    outlierDetection: false,
  });
  return { http: createLbAxios({ balancer: () => balancer, transport, ...options }), balancer };
};

const transports: LbAxiosTransport[] = ["undici", "http"];

describe.each(transports)("createLbAxios on the %s transport", (transport) => {
  it("axios/axios#10711, GHSA-r4q5-vmmm-2653, axios/axios#10892: sensitiveHeaders are dropped on a cross-origin redirect, kept on a same-origin one", async () => {
    const { http, balancer } = client(["redirect"], transport);
    const headers = { "x-api-key": "key-secret", authorization: "Bearer t", "proxy-authorization": "Basic p" };
    const away = await http.get("lb://svc/away", { headers, sensitiveHeaders: ["X-API-Key"] });
    // axios/axios#6313 (CVE-2024-28849): Proxy-Authorization goes no further than Authorization does.
    for (const name of ["x-api-key", "authorization", "proxy-authorization"])
      expect(away.data).not.toHaveProperty(name);
    const same = await http.get("lb://svc/same", { headers, sensitiveHeaders: ["X-API-Key"] });
    expect(same.data).toMatchObject({ "x-api-key": "key-secret", authorization: "Bearer t" });
    balancer.close();
  });

  it("axios/axios#10892: a sensitiveHeaders that is not an array of strings is refused before sending", async () => {
    const { http, balancer } = client(["echo"], transport);
    const before = seen.echo?.length;
    await expect(
      http.get("lb://svc/x", { sensitiveHeaders: "x-api-key" as unknown as string[] }),
    ).rejects.toMatchObject({ code: "ERR_BAD_OPTION_VALUE" });
    expect(seen.echo?.length).toBe(before);
    balancer.close();
  });

  it("axios/axios#3769: maxBodyLength refuses a larger body before sending, with redirects followed or not", async () => {
    const { http, balancer } = client(["echo"], transport, { retry: false });
    const before = seen.echo?.length;
    for (const maxRedirects of [0, 5]) {
      await expect(
        http.put("lb://svc/upload", Buffer.alloc(1_000), { maxBodyLength: 100, maxRedirects }),
      ).rejects.toMatchObject({ code: "ERR_BAD_REQUEST", message: "Request body larger than maxBodyLength limit" });
    }
    expect(seen.echo?.length).toBe(before);
    expect((await http.put("lb://svc/upload", Buffer.alloc(100), { maxBodyLength: 100 })).status).toBe(200);
    balancer.close();
  });

  it("axios/axios#1543: a timeout is ETIMEDOUT with transitional.clarifyTimeoutError, and says timeoutErrorMessage", async () => {
    const { http, balancer } = client(["silent"], transport, { retry: false });
    await expect(
      http.get("lb://svc/slow", {
        timeout: 50,
        timeoutErrorMessage: "inventory took too long",
        transitional: { clarifyTimeoutError: true },
      }),
    ).rejects.toMatchObject({ code: "ETIMEDOUT", message: "inventory took too long" });
    await expect(http.get("lb://svc/slow", { timeout: 50 })).rejects.toMatchObject({
      code: "ECONNABORTED",
      message: "timeout of 50ms exceeded",
    });
    balancer.close();
  });

  it("axios/axios#7434, #6142: a request the caller aborts is axios' cancellation (axios.isCancel)", async () => {
    const { http, balancer } = client(["silent"], transport);
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onSilent = resolve;
    });
    const request = http.get("lb://svc/mine", { signal: controller.signal });
    await arrived;
    controller.abort();
    const error = await request.catch((e: unknown) => e);
    expect(axios.isCancel(error)).toBe(true);
    expect(error).toMatchObject({ code: "ERR_CANCELED" });
    balancer.close();
  });

  it("axios/axios#11181 (review): a stream body answered 503 is not sent again empty", async () => {
    const { http, balancer } = client(["busy", "echo"], transport);
    const before = { busy: seen.busy?.length ?? 0, echo: seen.echo?.length ?? 0 };
    const failed = await http
      .put("lb://svc/file", Readable.from([Buffer.alloc(512, 1)]), { lb: { idempotent: true } })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "LB_BODY_NOT_REPLAYABLE" });
    const sent = [...(seen.busy ?? []).slice(before.busy), ...(seen.echo ?? []).slice(before.echo)];
    expect(sent).toEqual([{ method: "PUT", path: "/file", bytes: 512 }]);
    balancer.close();
  });

  it("nodejs/node#47130, axios/axios#6113: a GET on a reused keep-alive socket the server closed is sent again; a POST is not", async () => {
    // Round robin from the first instance: calls alternate closing, echo, closing, … (a retry does not move it).
    const { http, balancer } = client(["closing", "echo"], transport);
    const send = (method: "get" | "post", path: string) =>
      (method === "get" ? http.get(`lb://svc${path}`) : http.post(`lb://svc${path}`, "{}")).then((r) => r.data);
    const paid = (name: string) => seen[name]?.filter((r) => r.path === "/pay").length ?? 0;
    const before = { closing: paid("closing"), echo: paid("echo") };
    expect(await send("get", "/warm")).toBe("ok"); // closing: its connection now idles, kept alive
    await send("get", "/skip");
    // closing again, on that idle socket, which the server closes under the request: sent again, to echo.
    expect(await send("get", "/read")).toMatchObject({ host: `127.0.0.1:${port.echo}` });
    expect(seen.closing?.map((r) => r.path)).toContain("/read");
    await send("get", "/skip");
    expect(await send("get", "/warm")).toBe("ok"); // a fresh connection to closing, idle again
    await send("get", "/skip");
    await expect(send("post", "/pay")).rejects.toBeDefined();
    // The POST reached the server before the connection went: it is not paid twice, nor sent to echo.
    expect([paid("closing"), paid("echo")]).toEqual([before.closing + 1, before.echo]);
    balancer.close();
  });
});

// On the undici transport a 503 too large to hold is the answer itself (see the dispatcher's field reports).
describe("createLbAxios on the http transport, a streamed answer a retry replaced", () => {
  it("linkerd/linkerd#1256: the retried 503's unread stream body is let go, and its connection with it", async () => {
    const { http, balancer } = client(["bigbusy", "echo"], "http");
    const answer = await http.get("lb://svc/file", { responseType: "stream" });
    expect(answer.status).toBe(200);
    let text = "";
    for await (const chunk of answer.data) text += chunk;
    expect(JSON.parse(text)).toMatchObject({ host: `127.0.0.1:${port.echo}` });
    // Before the fix nobody read the 503's body nor closed it: its server could neither finish nor see the socket go.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const held = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("the 503's connection is still held"), 5_000);
    });
    expect(await Promise.race([bigClosed.then(() => "let go"), held])).toBe("let go");
    clearTimeout(timer);
    balancer.close();
  });
});
