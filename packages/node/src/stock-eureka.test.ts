import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstance } from "./outrigger.fixture.js";
import { createOutrigger, type Outrigger } from "./outrigger.js";

/**
 * A stock Eureka server on loopback: the Outrigger registry behind a front that serves only Eureka's `/eureka/…`
 * routes (everything else, `/outrigger/watch` included, is 404), logging each request it gets.
 */
async function stockEureka(registryUrl: string): Promise<{ url: string; seen: string[]; server: Server }> {
  const upstream = new URL(registryUrl);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
    if (!req.url?.startsWith("/eureka/")) {
      res.writeHead(404).end();
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/eureka`, seen, server };
}

// Netflix/eureka eureka-client/src/main/java/com/netflix/discovery/DiscoveryClient.java (fetchRegistry,
// getAndUpdateDelta): one full fetch (GET apps), then GET apps/delta every registryFetchIntervalSeconds, applied to
// the local copy, a full fetch again when the copy's hash code disagrees with the registry's.
describe("og on a stock Eureka server (no watch route): Eureka's full fetch + delta polling", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let eureka: Awaited<ReturnType<typeof stockEureka>>;
  const opened: Outrigger[] = [];

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    eureka = await stockEureka(registry.url);
  });
  afterAll(async () => {
    await Promise.all(opened.map((og) => og.close()));
    eureka.server.closeAllConnections();
    eureka.server.close();
    await registry.close();
  });

  it("the watch answers 404 once; instances are found, added and removed by delta fetches", async () => {
    const a = await startInstance("inventory", eureka.url, () => "from a");
    const catalog = await startInstance("catalog", eureka.url, () => "catalog");
    opened.push(a.og, catalog.og);
    // A client polling every 100 ms (Eureka's default is 30 s).
    const og = await createOutrigger({
      service: "orders",
      port: 0,
      config: {
        outrigger: {
          registry: { url: eureka.url, enabled: false, fetchIntervalMs: 100 },
          shutdown: { signals: [] },
        },
      },
      logger: { warn: () => {} },
    });
    opened.push(og);
    const answer = async (path = "lb://inventory/items") => (await og.fetch(path)).text();
    expect(await answer()).toBe("from a");

    const b = await startInstance("inventory", eureka.url, () => "from b");
    await expect.poll(async () => answer(), { timeout: 5_000 }).toBe("from b");
    expect(await answer("lb://catalog/items")).toBe("catalog");

    await b.og.close(); // deregistered: the next delta drops it
    await expect
      .poll(async () => new Set([await answer(), await answer(), await answer()]), { timeout: 5_000 })
      .toEqual(new Set(["from a"]));

    const watches = eureka.seen.filter((r) => r.startsWith("GET /outrigger/watch/"));
    expect(watches).toEqual(["GET /outrigger/watch/apps/INVENTORY"]); // catalog polled from the start
    expect(eureka.seen).toContain("GET /eureka/apps");
    expect(eureka.seen).toContain("GET /eureka/apps/delta");
  });
});
