import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { registryRequest } from "./registry-http.js";

// A registry request stopped by its own timeout or by its caller says so — not "unreachable" or "dropped the
// connection mid-answer", which send an operator looking for a crashed registry that is up (newcomer's repro,
// 2026-11-30: a body cut by the timeout was reported as a dropped connection).
describe("a registry request stopped by its timeout or its caller", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  /** A real loopback registry that sends headers then drips its body (`drip`), or never answers at all. */
  async function registry(drip: boolean): Promise<string> {
    server = createServer((_request, response) => {
      if (!drip) return;
      response.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => response.write(" "), 20);
      response.on("close", () => clearInterval(timer));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return `http://user:hunter2@127.0.0.1:${(server.address() as AddressInfo).port}/eureka/apps`;
  }

  it.each([
    ["mid-body", true],
    ["before the headers", false],
  ])("names the timeout when it cuts the answer %s", async (_when, drip) => {
    const url = await registry(drip);
    const error = await registryRequest(url, { method: "GET", timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "DISCOVERY_REGISTRY_UNREACHABLE",
      message: expect.stringMatching(/did not finish its answer within 200 ms: .*raise the request timeout/),
      cause: { name: "TimeoutError" },
    });
    expect((error as Error).message).not.toMatch(/dropped the connection|hunter2/);
  });

  it("says the caller stopped it when the caller's signal aborts mid-body", async () => {
    const url = await registry(true);
    const stop = new AbortController();
    server?.once("request", () => setTimeout(() => stop.abort(), 50));
    const error = await registryRequest(url, { method: "GET", timeoutMs: 10_000, signal: stop.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "DISCOVERY_REGISTRY_UNREACHABLE",
      message: expect.stringMatching(/stopped by its caller/),
      cause: { name: "AbortError" },
    });
  });
});
