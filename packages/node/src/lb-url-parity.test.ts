import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClient, startInstance } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";

/** The code (or the name) of what a call failed with, or the status it answered. */
async function outcome(call: () => Promise<{ status: number }>): Promise<string> {
  try {
    return String((await call()).status);
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
}

/** Everything reachable from an error a caller could log: message, stack, input, cause, own props. */
const everything = (error: unknown): string => `${inspect(error, { depth: 6 })} ${JSON.stringify(error)}`;

describe("og.fetch parses lb:// URLs as og.http does (@outrigger/loadbalancer lb-url.ts)", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let decoy: Server;
  let decoyHits = 0;
  let client: Outrigger;
  const opened: Outrigger[] = [];

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    const eureka = `${registry.url}/eureka`;
    decoy = createServer((_request, response) => {
      decoyHits++;
      response.end("decoy");
    });
    await new Promise<void>((resolve) => decoy.listen(0, "127.0.0.1", resolve));
    const instance = await startInstance("inventory", eureka, () => "inventory");
    client = await startClient(eureka, { waitForInstancesMs: 2_000 });
    opened.push(instance.og, client);
  });
  afterAll(async () => {
    await Promise.all(opened.map((og) => og.close()));
    decoy.close();
    await registry.close();
  });

  it("lb://<host>:<port> through og.fetch is refused (LB_INVALID_URL), never resolved through DNS", async () => {
    const port = (decoy.address() as AddressInfo).port;
    const init = { headers: { authorization: "Bearer T" } };
    expect(await outcome(() => client.fetch(`lb://localhost:${port}/x`, init))).toBe("LB_INVALID_URL");
    expect(await outcome(() => client.http.get(`lb://localhost:${port}/x`, init))).toBe("LB_INVALID_URL");
    expect(decoyHits).toBe(0);
  });

  it("one table for both clients: ports, userinfo, escaped, empty and non-ASCII names refused", async () => {
    const table: Record<string, string> = {
      "lb://inventory/items": "200",
      "LB://INVENTORY/items": "200",
      "lb://inventory?x=1": "200",
      "lb://inventory:0/items": "LB_INVALID_URL",
      "lb://inventory:/items": "LB_INVALID_URL",
      "lb://u@inventory/items": "LB_INVALID_URL",
      "lb://inven%74ory/items": "LB_INVALID_URL",
      "lb:///items": "LB_INVALID_URL",
      "lb://ínventory/items": "LB_INVALID_URL",
    };
    for (const [url, expected] of Object.entries(table)) {
      expect([url, await outcome(() => client.http.get(url))]).toEqual([url, expected]);
      expect([url, await outcome(() => client.fetch(url))]).toEqual([url, expected]);
    }
  });

  it("credentials in an lb:// URL: refused, and no message, input or cause carries them", async () => {
    const failures = [
      await client.fetch("lb://admin:PW@inventory/items").catch((error: unknown) => error),
      await client.fetch(new URL("lb://admin:PW@inventory/items")).catch((error: unknown) => error),
      await client.http.get("lb://admin:PW@inventory:99999/items").catch((error: unknown) => error),
      await client.http.get("lb://admin:PW@inventory/items").catch((error: unknown) => error),
    ];
    for (const failure of failures) {
      expect((failure as { code?: string }).code).toBe("LB_INVALID_URL");
      expect(everything(failure)).not.toContain("PW");
      expect((failure as Error).message).toContain("REDACTED:REDACTED@");
    }
  });
});
