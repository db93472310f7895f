import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { next } from "./testing/snapshots.js";

const servers: Server[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server that answers every request with `status`. */
async function answering(status: number): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/eureka`;
}

async function firstError(status: number): Promise<Error> {
  const instancer = new RegistryWatchInstancer({ registryUrl: await answering(status), service: "orders" });
  closers.push(() => instancer.close());
  return next(instancer.onError);
}

describe("RegistryWatchInstancer's rejected watch (issue 14, item 8)", () => {
  it("asks whether the registry is an Outrigger one only on a 404 (no watch route: a stock Eureka)", async () => {
    const error = await firstError(404);
    expect(error.message).toMatch(/an Outrigger registry\? Use EurekaDeltaInstancer/);
  });

  it("says the registry or its proxy is unavailable on a 503, not that it may not be an Outrigger registry", async () => {
    const error = await firstError(503);
    expect(error.message).toMatch(/Watch answered 503: the registry \(or a proxy in front of it\) is unavailable/);
    expect(error.message).not.toMatch(/Outrigger registry/);
  });
});
