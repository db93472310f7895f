// Hostile values in the policy report a watch request carries (X-Outrigger-Client, X-Outrigger-Policy-Nonce,
// X-Outrigger-Policy-Error; xDS's `node`, `response_nonce` and `error_detail`, envoy/service/discovery/v3/
// discovery.proto), sent over a real socket where the framework's own parsing matters. The registry answers with
// stable codes, keeps one report per process, and shows no secret a NACK's reason quotes.

import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { appWithPolicy, POLICY_TOKENS } from "../policy-fixtures.js";

const READ = POLICY_TOKENS.read;
const read = { authorization: `Bearer ${READ}` };

const apps: Awaited<ReturnType<typeof appWithPolicy>>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function withPolicy() {
  const server = await appWithPolicy();
  apps.push(server);
  return server;
}

type App = Awaited<ReturnType<typeof withPolicy>>;
const watch = (server: App, headers: Record<string, string>) =>
  server.inject({ url: "/outrigger/watch/apps/ORDERS?index=-1&wait=1s", headers: { ...read, ...headers } });
const reports = async (server: App) =>
  (
    (await server.inject({ url: "/outrigger/policy/reports", headers: read })).json() as {
      reports: { reason?: string; process: string }[];
    }
  ).reports;

/** Sends `head` (raw bytes: request line and headers) to the listening app and returns the answer's status line. */
async function rawStatus(server: App, head: Buffer): Promise<string> {
  await server.listen({ port: 0, host: "127.0.0.1" });
  const { port } = server.server.address() as AddressInfo;
  const socket = connect(port, "127.0.0.1");
  socket.end(head);
  let text = "";
  try {
    for await (const chunk of socket) text += String(chunk);
  } catch {
    // A reset after the answer (the server destroys the socket on a client error): the status line came first.
  }
  return text.split("\r\n")[0] ?? "";
}

const rawWatch = (extra: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `GET /outrigger/watch/apps/ORDERS?index=-1&wait=1s HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer ${READ}\r\n`,
    ),
    extra,
    Buffer.from("\r\n"),
  ]);

describe("hostile values in a carried policy report", () => {
  it("a NACK reason cut at 1 024 characters shows no part of a URL's password (redacted before it is cut)", async () => {
    const password = "hunter2hunter2hunter2";
    // The userinfo straddles the cut: cut first, "https://admin:hunter2hun" had no "@" left to be redacted by.
    const reason = `${"x".repeat(1_000)} https://admin:${password}@registry.internal/eureka`;
    const server = await withPolicy();
    const carried = {
      "x-outrigger-client": "p-1",
      "x-outrigger-policy-nonce": "1",
      "x-outrigger-policy-error": encodeURIComponent(reason),
    };
    expect((await watch(server, carried)).statusCode).toBe(200);
    const posted = await server.inject({
      method: "POST",
      url: "/outrigger/policy/reports",
      headers: read,
      payload: { service: "orders", clientId: "p-2", revision: 1, status: "NACK", reason },
    });
    expect(posted.statusCode).toBe(200);
    const shown = await reports(server);
    expect(shown).toHaveLength(2);
    for (const report of shown) {
      expect(report.reason?.length).toBeLessThanOrEqual(1_024);
      expect(report.reason).not.toMatch(/hunter2|hunter|admin:h/);
    }
  });

  it("a NACK reason with a Bearer token is shown redacted", async () => {
    const server = await withPolicy();
    const reason = "could not fetch https://x/ with Authorization: Bearer abc.def-ghi_123";
    await watch(server, {
      "x-outrigger-client": "p-1",
      "x-outrigger-policy-nonce": "1",
      "x-outrigger-policy-error": encodeURIComponent(reason),
    });
    expect((await reports(server))[0]?.reason).toBe("could not fetch https://x/ with Authorization: Bearer REDACTED");
  });

  it("raw non-ASCII bytes (not percent-encoded) in X-Outrigger-Client: 400 REGISTRY_BAD_REQUEST, nothing recorded", async () => {
    const server = await withPolicy();
    const status = await rawStatus(
      server,
      rawWatch(
        Buffer.concat([
          Buffer.from("x-outrigger-client: p-"),
          Buffer.from("ü", "utf8"),
          Buffer.from("\r\nx-outrigger-policy-nonce: 1\r\n"),
        ]),
      ),
    );
    expect(status).toBe("HTTP/1.1 400 Bad Request");
    expect(await reports(server)).toEqual([]);
  });

  it("a raw CR/LF can not split a header (the parser refuses it); a percent-encoded one stays inside the report", async () => {
    const server = await withPolicy();
    const status = await rawStatus(
      server,
      rawWatch(Buffer.from("x-outrigger-client: p-1\rx-injected: 1\r\nx-outrigger-policy-nonce: 1\r\n")),
    );
    expect(status).toMatch(/^HTTP\/1.1 400/);
    const answer = await watch(server, {
      "x-outrigger-client": "p%0D%0Aset-cookie:%20a=b",
      "x-outrigger-policy-nonce": "1",
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["set-cookie"]).toBeUndefined();
    expect((await reports(server))[0]?.process).toBe("p\r\nset-cookie: a=b");
  });

  it("a 20 KB error header: Node's 431 before any handler, and the registry goes on answering", async () => {
    const server = await withPolicy();
    const huge = Buffer.from(
      `x-outrigger-client: p-1\r\nx-outrigger-policy-nonce: 1\r\nx-outrigger-policy-error: ${"e".repeat(20_000)}\r\n`,
    );
    expect(await rawStatus(server, rawWatch(huge))).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect((await watch(server, { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": "1" })).statusCode).toBe(
      200,
    );
    expect(await reports(server)).toHaveLength(1);
  });

  it("a NACK storm from one process keeps one report; a bad nonce is a stable 400 every time", async () => {
    const server = await withPolicy();
    for (let i = 0; i < 200; i++) {
      const nack = {
        "x-outrigger-client": "p-1",
        "x-outrigger-policy-nonce": "1",
        "x-outrigger-policy-error": `n${i}`,
      };
      expect((await watch(server, nack)).statusCode).toBe(200);
    }
    expect((await reports(server)).map((r) => r.reason)).toEqual(["n199"]);
    for (const nonce of ["-1", "1e3", "9".repeat(16), "0x10", "1, 2"]) {
      const answer = await watch(server, { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": nonce });
      expect([nonce, answer.statusCode, answer.json().code]).toEqual([nonce, 400, "REGISTRY_BAD_REQUEST"]);
    }
  });
  it("envoyproxy/envoy#14841: a NACK is told by the error header's presence, an empty reason included", async () => {
    const server = await withPolicy();
    const nack = { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": "1", "x-outrigger-policy-error": "" };
    expect((await watch(server, nack)).statusCode).toBe(200);
    expect(await reports(server)).toMatchObject([{ process: "p-1", status: "NACK", reason: "" }]);
  });

  it("envoyproxy/envoy#15767, openservicemesh/osm#3252: a report of a revision this registry never served (the SDK came from a peer) is kept, the watch answered", async () => {
    const server = await withPolicy();
    const ack = { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": "7" };
    expect((await watch(server, ack)).statusCode).toBe(200);
    expect(await reports(server)).toMatchObject([{ process: "p-1", status: "ACK", revision: 7 }]);
  });
});
