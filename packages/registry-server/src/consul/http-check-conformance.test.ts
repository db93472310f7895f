// HTTP checks as Consul's CheckHTTP runs them (agent/checks/check.go), against real loopback targets: a new
// connection per probe (hashicorp/consul#779, #824: keep-alive made checks flap), DisableRedirects
// (hashicorp/consul#12526), Body, TLSSkipVerify / TLSServerName, OutputMaxSize and the default headers.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { testAuthority } from "../e2e/test-certificates.js";
import { type CheckKind, parseCheck } from "./definition.js";
import { probeHttp } from "./probes.js";

type HttpKind = Extract<CheckKind, { type: "http" }>;

/** The HTTP kind of a check registered with `fields` (Consul's JSON names) for `url`. */
const httpCheck = (url: string, fields: Record<string, unknown> = {}): HttpKind =>
  parseCheck({ HTTP: url, Interval: "10s", Timeout: "5s", ...fields }, "c").kind as HttpKind;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Serves `answer` on loopback; records requests (with body) and connections. */
async function target(answer: (request: IncomingMessage, body: string) => [number, Record<string, string>?, string?]) {
  const seen = { connections: 0, requests: [] as { request: IncomingMessage; body: string }[] };
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    seen.requests.push({ request, body });
    const [status, headers = {}, text = "ok"] = answer(request, body);
    response.writeHead(status, headers).end(text);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => seen.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("HTTP checks probe as Consul's CheckHTTP does", () => {
  it("hashicorp/consul#779: every probe opens a new connection, so a target that resets reused sockets never flaps", async () => {
    const seen = { connections: 0, requests: 0 };
    // Answers the first request on a connection and destroys the connection at the second, as a target whose
    // keep-alive timer fired or a middlebox that dropped the idle socket.
    const server = createServer((request, response) => {
      const socket = request.socket as Socket & { answered?: boolean };
      seen.requests++;
      if (socket.answered) socket.destroy();
      else {
        socket.answered = true;
        response.end("ok");
      }
    });
    server.on("connection", () => seen.connections++);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const kind = httpCheck(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await probeHttp(kind)).status);
    expect(statuses).toEqual(["passing", "passing", "passing", "passing", "passing"]);
    expect(seen).toEqual({ connections: 5, requests: 5 });
  });

  it("hashicorp/consul#12526: DisableRedirects makes a 302 the answer (critical); by default it is followed", async () => {
    const t = await target((request) => (request.url === "/health" ? [302, { location: "/login" }] : [200]));
    expect((await probeHttp(httpCheck(`${t.url}/health`))).status).toBe("passing");
    const kept = await probeHttp(httpCheck(`${t.url}/health`, { DisableRedirects: true }));
    expect(kept.status).toBe("critical");
    expect(kept.output).toContain(": 302 Found");
    expect(t.seen.requests.map((r) => r.request.url)).toEqual(["/health", "/login", "/health"]);
  });

  it("sends its Body, with Consul's default User-Agent and Accept unless the check sets them", async () => {
    const t = await target(() => [200]);
    await probeHttp(httpCheck(`${t.url}/h`, { Method: "POST", Body: '{"deep":true}' }));
    await probeHttp(httpCheck(`${t.url}/h`, { Header: { "User-Agent": ["mine"], Accept: ["application/json"] } }));
    const [first, second] = t.seen.requests;
    expect([first?.request.method, first?.body]).toEqual(["POST", '{"deep":true}']);
    expect([first?.request.headers["user-agent"], first?.request.headers.accept]).toEqual([
      "Consul Health Check",
      "text/plain, text/*, */*",
    ]);
    expect([second?.request.headers["user-agent"], second?.request.headers.accept]).toEqual([
      "mine",
      "application/json",
    ]);
  });

  it("OutputMaxSize keeps that many bytes of the answer (at most 4 KiB)", async () => {
    const t = await target(() => [200, {}, "x".repeat(10_000)]);
    const small = await probeHttp(httpCheck(`${t.url}/`, { OutputMaxSize: 16 }));
    expect(small.output.endsWith(`Output: ${"x".repeat(16)}`)).toBe(true);
    const large = await probeHttp(httpCheck(`${t.url}/`, { OutputMaxSize: 1_000_000 }));
    expect(large.output.endsWith(`Output: ${"x".repeat(4_096)}`)).toBe(true);
  });

  it("TLSSkipVerify accepts a certificate no CA here signed; TLSServerName is the SNI name sent", async () => {
    const authority = testAuthority();
    const files = authority.issue("probe-target");
    const names: (string | false | null)[] = [];
    const server = createHttpsServer(
      { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) },
      (q, s) => {
        names.push((q.socket as TLSSocket).servername);
        s.end("ok");
      },
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const verified = await probeHttp(httpCheck(url));
    expect(verified.status).toBe("critical");
    expect(verified.output).toMatch(/certificate/i);
    const skipped = await probeHttp(httpCheck(url, { TLSSkipVerify: true, TLSServerName: "api.internal" }));
    expect(skipped.status).toBe("passing");
    expect(names).toEqual(["api.internal"]);
  });

  it("refuses what it cannot honour with a 400 naming the field", () => {
    const at = "http://127.0.0.1:1/";
    expect(() => httpCheck(at, { DisableRedirects: "true" })).toThrow(/DisableRedirects/);
    expect(() => httpCheck(at, { TLSSkipVerify: 1 })).toThrow(/TLSSkipVerify/);
    expect(() => httpCheck(at, { Body: "x".repeat(64 * 1024 + 1) })).toThrow(/Body is above 65536 bytes/);
    expect(() => httpCheck(at, { TLSServerName: "bad name\r\n" })).toThrow(/TLSServerName/);
    expect(() => httpCheck(at, { OutputMaxSize: -1 })).toThrow(/OutputMaxSize must be positive/);
    expect(() => httpCheck(at, { OutputMaxSize: "4k" })).toThrow(/OutputMaxSize/);
  });
});
