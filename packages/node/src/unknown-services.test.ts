import { FixedInstancer, type Instancer } from "@outrigger/discovery";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outriggerConfigSchema } from "./config-schema.js";
import { type CountingFront, startCountingFront } from "./counting-front.fixture.js";
import { startClient } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";
import { createServiceClients } from "./service-clients.js";

const codeOf = (error: unknown) => (error as { code?: string }).code;

describe("unknown lb:// names: dropped at once, remembered briefly, and a cap on services followed", () => {
  it("a name with no instance is dropped when its wait ends and refused without a lookup until the cache expires", async () => {
    let now = 0;
    const made: Instancer[] = [];
    const config = outriggerConfigSchema.parse({ clients: { waitForInstancesMs: 0, unknownServiceCacheMs: 5_000 } });
    const clients = createServiceClients({
      config: () => config,
      instancer: () => {
        made.push(new FixedInstancer([]));
        return made[made.length - 1] as Instancer;
      },
      clock: { now: () => now },
    });
    const first = await clients.balancer("ghost").acquire().catch(codeOf);
    expect(first).toBe("OUTRIGGER_UNKNOWN_SERVICE");
    expect(clients.services()).toEqual([]); // dropped, not kept for idleCloseMs
    expect(() => clients.balancer("ghost")).toThrow(
      /No instance of "ghost" was known to the registry a moment ago, within 0 ms; the answer is remembered \(clients.unknownServiceCacheMs\) for 5000 ms more, and no lookup was made/,
    );
    expect(made).toHaveLength(1); // refused from the negative cache: no second lookup
    now += 4_999;
    expect(() => clients.policy("ghost")).toThrow(/No instance of "ghost"/);
    now += 1;
    clients.balancer("ghost"); // the cache expired: looked up again
    expect(made).toHaveLength(2);
    clients.close();
  });

  it("beyond clients.maxServices a new name is OUTRIGGER_TOO_MANY_SERVICES, saying what to check", () => {
    const config = outriggerConfigSchema.parse({ clients: { maxServices: 2 } });
    const clients = createServiceClients({ config: () => config, instancer: () => new FixedInstancer([]) });
    clients.balancer("a");
    clients.balancer("b");
    clients.balancer("a"); // in use already: fine
    expect(() => clients.balancer("c")).toThrow(
      'og follows 2 services already (outrigger.clients.maxServices), so "c" is not looked up: check for lb:// names made from request data, or raise clients.maxServices.',
    );
    clients.close();
  });

  describe("on a real registry, sockets counted", () => {
    let registry: Awaited<ReturnType<typeof startServer>>;
    let front: CountingFront;
    let client: Outrigger | undefined;

    beforeAll(async () => {
      registry = await startServer({ port: 0 });
      front = await startCountingFront(registry.url);
    });
    afterAll(async () => {
      await client?.close();
      front.server.close();
      await registry.close();
    });

    it("300 made-up names: at most maxServices watches at once, none left once their wait ends", async () => {
      const port = front.port;
      client = await startClient(`http://127.0.0.1:${port}/eureka`, { waitForInstancesMs: 2_000, maxServices: 20 });
      const names = Array.from({ length: 300 }, (_, i) => `ghost-${i}`);
      const calls = names.map((name) => client?.http.get(`lb://${name}/items`).catch(codeOf));
      // Every followed name's watch connects (event-driven poll) before its 2 s wait ends.
      await expect.poll(front.accepted, { timeout: 5_000 }).toBeGreaterThanOrEqual(20);
      const codes = await Promise.all(calls);
      expect(codes.filter((c) => c === "OUTRIGGER_UNKNOWN_SERVICE")).toHaveLength(20);
      expect(codes.filter((c) => c === "OUTRIGGER_TOO_MANY_SERVICES")).toHaveLength(280);
      expect(front.peak()).toBeLessThanOrEqual(20);
      // The unknown names' watches are closed, and no idle connection is left behind (nodejs/undici#5845: an
      // aborted request in a shared Agent is reconnected and the new, never-used socket is never reaped).
      await expect.poll(front.open, { timeout: 5_000 }).toBe(0);
      // Within unknownServiceCacheMs the same names are refused without a new connection.
      const before = front.accepted();
      const again = await Promise.all(names.slice(0, 20).map((n) => client?.fetch(`lb://${n}/x`).catch((e) => e)));
      expect(again.every((e) => codeOf((e as Error).cause ?? e) === "OUTRIGGER_UNKNOWN_SERVICE")).toBe(true);
      expect(front.accepted()).toBe(before);
    });
  });
});
