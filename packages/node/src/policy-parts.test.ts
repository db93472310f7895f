import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FALLBACK_HEADER } from "./fallback.js";
import { startClient, startInstance } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";

/** A call that never ends until `releaseAll` (a hung instance). */
function holder() {
  const waiting: Array<() => void> = [];
  return {
    hold: () => new Promise<string>((resolve) => waiting.push(() => resolve("released"))),
    releaseAll: () => {
      for (const release of waiting.splice(0)) release();
    },
  };
}

// hedge, adaptiveLimit and fallback as @outrigger/resilience's PolicySpec names them, on real loopback instances.
describe("hedge, adaptive concurrency limit and fallback from a service's config section", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let eureka: string;
  const opened: Outrigger[] = [];
  const hung = holder();

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    eureka = `${registry.url}/eureka`;
  });
  afterAll(async () => {
    hung.releaseAll();
    await Promise.all(opened.map((og) => og.close()));
    await registry.close();
  });

  it("hedge: a GET with no answer after delayMs is sent again, and the copy's answer wins (og.fetch and og.http)", async () => {
    let calls = 0;
    const instance = await startInstance("hedged", eureka, () => (++calls % 2 === 1 ? hung.hold() : "from the copy"));
    // No retry, no per-try timeout that would end the hung call: only the hedge can answer.
    const client = await startClient(eureka, {
      services: {
        hedged: { hedge: { delayMs: 20 }, retry: { maxAttempts: 1 }, timeout: { perTryMs: 60_000, totalMs: 60_000 } },
      },
    });
    opened.push(instance.og, client);
    expect(await (await client.fetch("lb://hedged/items")).text()).toBe("from the copy");
    expect((await client.http.get("lb://hedged/items")).data).toBe("from the copy");
    expect(calls).toBe(4);
  });

  it("adaptiveLimit: the call over the limit is refused at once with RESILIENCE_CONCURRENCY_LIMITED", async () => {
    const instance = await startInstance("limited", eureka, (path) => (path === "/hang" ? hung.hold() : "ok"));
    const client = await startClient(eureka, {
      services: { limited: { adaptiveLimit: { initialLimit: 1, maxLimit: 1 }, retry: { maxAttempts: 1 } } },
    });
    opened.push(instance.og, client);
    const first = client.http.get("lb://limited/hang");
    await expect.poll(() => instance.og.inbound.inFlight()).toBe(1);
    const over = await client.http.get("lb://limited/items").catch((error: unknown) => error);
    expect((over as { code?: string }).code).toBe("RESILIENCE_CONCURRENCY_LIMITED");
    hung.releaseAll();
    expect((await first).data).toBe("released");
    expect((await client.http.get("lb://limited/items")).data).toBe("ok");
  });

  it("fallback: a 5xx or a failed call answers 200 with the value (og.fetch and og.http); a 4xx is returned as is", async () => {
    const instance = await startInstance("flaky", eureka, (path, response) => {
      response.statusCode = path === "/missing" ? 404 : 503;
      return "down";
    });
    const fallback = { fallback: { value: { items: [] } } };
    const client = await startClient(eureka, {
      waitForInstancesMs: 1_000, // long enough for discovery's first answer about "flaky" on a loaded machine
      services: { flaky: fallback, nobody: fallback },
    });
    opened.push(instance.og, client);
    // A 4xx first, before any 5xx could have ejected the instance or spent the retry budget.
    expect((await client.fetch("lb://flaky/missing")).status).toBe(404);
    const notFound = await client.http
      .get("lb://flaky/missing")
      .catch((error: { response?: { status: number } }) => error);
    expect((notFound as { response?: { status: number } }).response?.status).toBe(404);
    const viaFetch = await client.fetch("lb://flaky/items");
    expect([viaFetch.status, viaFetch.headers.get(FALLBACK_HEADER), await viaFetch.json()]).toEqual([
      200,
      "1",
      { items: [] },
    ]);
    const viaHttp = await client.http.get("lb://flaky/items");
    expect([viaHttp.status, viaHttp.data]).toEqual([200, { items: [] }]);
    // A call that throws (here OUTRIGGER_UNKNOWN_SERVICE: nobody registered) gets the value too.
    expect((await client.http.get("lb://nobody/items")).data).toEqual({ items: [] });
    expect(await (await client.fetch("lb://nobody/items")).json()).toEqual({ items: [] });
  });
});
