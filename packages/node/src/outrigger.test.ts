import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOutriggerNodeError } from "./errors.js";
import { startClient, startInstance } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";
import { createOutrigger } from "./outrigger.js";

describe("createOutrigger", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let eureka: string;
  const opened: Outrigger[] = [];

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    eureka = `${registry.url}/eureka`;
  });
  afterAll(async () => {
    await Promise.all(opened.map((og) => og.close()));
    await registry.close();
  });

  it("lb:// through og.fetch, og.http and og.dispatcher: the service's parts are made on first use", async () => {
    const a = await startInstance("inventory", eureka, () => "from a");
    const b = await startInstance("inventory", eureka, () => "from b");
    const client = await startClient(eureka);
    opened.push(a.og, b.og, client);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await (await client.fetch("lb://inventory/items")).text());
    expect(seen).toEqual(new Set(["from a", "from b"]));
    expect((await client.http.get("lb://inventory/items")).data).toMatch(/from [ab]/);
    const viaUndici = await client.dispatcher.request({ origin: "lb://inventory", path: "/", method: "GET" });
    expect(await viaUndici.body.text()).toMatch(/from [ab]/);
    const metrics = await (await client.metrics.getSingleMetric("outrigger_client_services_open")?.get())?.values;
    expect(metrics?.[0]?.value).toBe(1);
  });

  it("a first request through og.http waits for discovery's first answer instead of failing LB_NO_INSTANCES", async () => {
    const a = await startInstance("firstcall", eureka, () => "from a");
    const client = await startClient(eureka);
    opened.push(a.og, client);
    // og.http's transport picks with `pick` and waits in `acquire` only after LB_INSTANCES_BUSY (pickNow).
    expect((await client.http.get("lb://firstcall/items")).data).toBe("from a");
  });

  it("a service nobody registered: OUTRIGGER_UNKNOWN_SERVICE after waitForInstancesMs, saying what to check", async () => {
    const client = await startClient(eureka, { waitForInstancesMs: 200 });
    opened.push(client);
    const failure = await client.http.get("lb://invnetory/items").catch((error: unknown) => error);
    // og.http hands on Outrigger's own error as itself, on either transport (not an AxiosError copy).
    expect((failure as { code?: string }).code).toBe("OUTRIGGER_UNKNOWN_SERVICE");
    expect(isOutriggerNodeError(failure)).toBe(true);
    expect((failure as Error).message).toMatch(
      /No instance of "invnetory" was known to the registry after 200 ms: check/,
    );
  });

  it("the service's port taken: OUTRIGGER_PORT_IN_USE naming the option", async () => {
    const squatter = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => squatter.once("listening", resolve));
    const port = (squatter.address() as AddressInfo).port;
    const og = await createOutrigger({
      service: "orders",
      port,
      config: { outrigger: { registry: { enabled: false }, shutdown: { signals: [] } } },
    });
    opened.push(og);
    const failure = await og.listen(createServer(), "127.0.0.1").catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe("OUTRIGGER_PORT_IN_USE");
    expect((failure as Error).message).toContain(`Port ${port} is in use`);
    squatter.close();
  });

  it("a bad section at start: OUTRIGGER_CONFIG_INVALID with the path at fault", async () => {
    const failure = await createOutrigger({
      service: "orders",
      port: 0,
      config: { outrigger: { clients: { services: { inventory: { retry: { maxAttempts: 0 } } } } } },
    }).catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe("OUTRIGGER_CONFIG_INVALID");
    expect((failure as { path?: string }).path).toBe("outrigger.clients.services.inventory.retry.maxAttempts");
  });

  it("a service name or port that cannot be: OUTRIGGER_INVALID_OPTION naming it", async () => {
    const name = await createOutrigger({ service: "lb://orders", port: 0 }).catch((error: unknown) => error);
    expect((name as Error).message).toBe('service must be a DNS-style name such as "orders", got "lb://orders"');
    const port = await createOutrigger({ service: "orders", port: 70_000 }).catch((error: unknown) => error);
    expect((port as { code?: string }).code).toBe("OUTRIGGER_INVALID_OPTION");
    expect((port as Error).message).toBe("port must be a finite integer between 0 and 65535, got 70000");
  });

  it("og.close() drains: the request in flight finishes, the instance is deregistered, then everything closes", async () => {
    let release: () => void = () => {};
    const slow = new Promise<string>((resolve) => {
      release = () => resolve("finished");
    });
    const instance = await startInstance("drainme", eureka, () => slow);
    const client = await startClient(eureka);
    opened.push(client);
    const inFlight = client.fetch("lb://drainme/slow").then((r) => r.text());
    await expect.poll(() => instance.og.inbound.inFlight()).toBe(1);
    const closed = instance.og.close();
    await expect.poll(async () => (await fetch(`${eureka}/apps/DRAINME`)).status).toBe(404); // deregistered
    const health = await new Promise<number>((resolve) => {
      const probe = createServer(instance.og.metricsHandler).listen(0, "127.0.0.1", () => {
        fetch(`http://127.0.0.1:${(probe.address() as AddressInfo).port}/health`).then((r) => {
          probe.close();
          resolve(r.status);
        });
      });
    });
    expect(health).toBe(503); // draining: a readiness probe takes it out too
    release();
    expect(await inFlight).toBe("finished");
    await closed;
    expect(instance.server.listening).toBe(false);
  });
});
