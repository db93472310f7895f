// The sidecar must reuse its upstream connections as a deployed HAProxy does, or every comparison against it pays
// for a connect per request. Real HAProxy, a real loopback upstream counting the connections it accepts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { BenchProcess } from "../proc/child.js";
import { haproxyPath } from "../proc/pin.js";
import { policyByName } from "../variants/policy.js";
import { BACKEND, httpSidecarConfig, serverKeywords } from "./config.js";
import { addServerCommand, runtimeChange, setStateCommand } from "./runtime-api.js";
import { freePort, waitForSocket } from "./startup.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An upstream that answers 200 and counts the TCP connections it accepted. */
async function countingUpstream(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    res.end("ok");
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** HAProxy with the bench's sidecar config and one server added over the runtime API with `keywords`. */
async function sidecarWith(upstreamPort: number, keywords: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-reuse-"));
  const address = { port: await freePort(), socketPath: join(dir, "admin.sock") };
  const config = join(dir, "haproxy.cfg");
  writeFileSync(config, httpSidecarConfig(address, policyByName("matched")));
  const haproxy = new BenchProcess("haproxy-reuse", haproxyPath(), ["-db", "-f", config]);
  cleanups.push(async () => {
    await haproxy.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForSocket(address.socketPath, haproxy);
  // No `check` here: a health check's own connections would be counted; reuse is what is under test.
  const add = addServerCommand(BACKEND, "u1", "127.0.0.1", upstreamPort, keywords);
  await runtimeChange(address.socketPath, add);
  await runtimeChange(address.socketPath, setStateCommand(BACKEND, "u1", "ready"));
  return `http://127.0.0.1:${address.port}`;
}

/** Sends `n` requests one after another through one keep-alive client connection. */
async function sequential(url: string, n: number): Promise<void> {
  const agent = new Agent({ connections: 1 });
  try {
    for (let i = 0; i < n; i++) {
      const { statusCode, body } = await request(`${url}/r${i}`, { dispatcher: agent });
      await body.text();
      expect(statusCode).toBe(200);
    }
  } finally {
    await agent.close();
  }
}

const withoutChecks = (keywords: readonly string[]): string[] => {
  const out = [...keywords];
  const at = out.indexOf("check");
  if (at >= 0) out.splice(at, 1);
  return out;
};

describe("HAProxy sidecar upstream connections", () => {
  it("a dynamic server added with the bench's keywords reuses its connection (http-reuse always)", async () => {
    const upstream = await countingUpstream();
    const url = await sidecarWith(upstream.port, withoutChecks(serverKeywords(policyByName("matched"))));
    await sequential(url, 40);
    expect(upstream.connections()).toBeLessThanOrEqual(2);
  });
});
