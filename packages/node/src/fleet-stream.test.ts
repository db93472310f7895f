import { createServer } from "node:http";
import { startServer } from "@outrigger/registry-server";
import { createFleetStream } from "@outrigger/telemetry";
import { afterEach, describe, expect, it } from "vitest";
import { createOutrigger, type Outrigger } from "./outrigger.js";

const TOKEN = "og-fleet-token";
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function fleetService(
  registryUrl: string,
  admin: boolean,
  stream = createFleetStream({ token: TOKEN }),
): Promise<Outrigger> {
  const og = await createOutrigger({
    service: "checkout",
    port: 0,
    config: {
      outrigger: {
        registry: { url: registryUrl, token: TOKEN },
        instance: { host: "127.0.0.1" },
        shutdown: { signals: [], graceMs: 1_000 },
        ...(admin ? { admin: { port: 0, host: "127.0.0.1" } } : {}),
      },
    },
    logger: { warn: () => {} },
    fleetStream: stream,
  });
  cleanup.push(() => og.close());
  return og;
}

async function metadataOf(registryUrl: string, app: string): Promise<Record<string, string>> {
  const res = await fetch(`${registryUrl}/eureka/apps/${app}`, {
    headers: { accept: "application/json", authorization: `Bearer ${TOKEN}` },
  });
  const body = (await res.json()) as { application: { instance: Array<{ metadata: Record<string, string> }> } };
  return body.application.instance[0]?.metadata ?? {};
}

describe("createOutrigger({ fleetStream })", () => {
  it("serves the stream on the admin port behind the registry's token and advertises it in the registration", async () => {
    const registry = await startServer({ port: 0, token: TOKEN });
    cleanup.push(() => registry.close());
    const og = await fleetService(`${registry.url}/eureka`, true);
    await og.listen(createServer(og.inbound.nodeHandler((_q, r) => r.end("ok"))), "127.0.0.1");
    const adminPort = new URL(og.adminUrl as string).port;
    expect((await metadataOf(registry.url, "CHECKOUT"))["outrigger.fleet-stream"]).toBe(`${adminPort}/outrigger/fleet`);

    expect((await fetch(`${og.adminUrl}/outrigger/fleet`)).status).toBe(401);
    const stream = await fetch(`${og.adminUrl}/outrigger/fleet`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.slice("data: ".length))).toMatchObject({ destinations: [] });
    // og.close() ends the stream before it drains, so an open stream does not hold the shutdown.
    await og.close();
    expect((await reader.read()).done).toBe(true);
    expect((await fetch(`${og.adminUrl}/metrics`).catch(() => undefined))?.status).toBeUndefined();
  });

  it("without an admin port, advertises the service's own port (mount og.metricsHandler there)", async () => {
    const registry = await startServer({ port: 0, token: TOKEN });
    cleanup.push(() => registry.close());
    const og = await fleetService(`${registry.url}/eureka`, false);
    await og.listen(createServer(og.metricsHandler), "127.0.0.1");
    expect((await metadataOf(registry.url, "CHECKOUT"))["outrigger.fleet-stream"]).toBe(`${og.port}/outrigger/fleet`);
  });

  it("reports each destination's retry-budget balance from og's own budgets", async () => {
    const registry = await startServer({ port: 0, token: TOKEN });
    cleanup.push(() => registry.close());
    const stream = createFleetStream({ token: TOKEN });
    const og = await fleetService(`${registry.url}/eureka`, false, stream);
    await og.listen(createServer(og.inbound.nodeHandler((_q, r) => r.end("ok"))), "127.0.0.1");
    for (let i = 0; i < 3; i++) expect((await og.fetch("lb://checkout/")).status).toBe(200);
    const [checkout] = stream.snapshot().destinations;
    expect(checkout?.service).toBe("checkout");
    // The default budget's floor (Finagle's minRetriesPerSec 10 over 10 s) plus its share of 3 calls.
    expect(checkout?.budget).toBeGreaterThan(0);
  });
});
