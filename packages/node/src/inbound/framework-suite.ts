import type { Server } from "node:http";
import http from "node:http";
import { createRateLimiter } from "@outrigger/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { createInbound, type Inbound, type InboundOptions } from "./index.js";
import { Events, fakeClock, get, Held, listen, stop } from "./test-fixture.js";

/**
 * Mounts `inbound` on a framework app serving `/` ("ok") and `/hold` (parks on `held`, then "held"), and returns
 * its node:http server, not yet listening.
 */
export type Mount = (inbound: Inbound, held: Held) => Promise<Server>;

/** The behaviour every framework adapter must show, on a real server on loopback. */
export function adapterSuite(framework: string, mount: Mount): void {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stop(server);
    server = undefined;
  });

  async function start(options: InboundOptions) {
    const held = new Held();
    const events = new Events();
    const inbound = createInbound({ ...options, onEvent: events.listener });
    server = await mount(inbound, held);
    return { inbound, held, events, port: await listen(server) };
  }

  describe(`${framework} adapter`, () => {
    it("answers 429 with Retry-After (RFC 6585 §4, RFC 9110 §10.2.3) over the rate", async () => {
      const clock = fakeClock();
      const { port } = await start({ rateLimit: { requestsPerSecond: 2, burst: 1 }, clock });
      expect((await get(port)).body).toBe("ok");
      const refused = await get(port);
      expect(refused.status).toBe(429);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(refused.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_RATE_LIMITED");
      clock.advance(500);
      expect((await get(port)).status).toBe(200);
    });

    it("answers 429 with Retry-After from a @outrigger/resilience RateLimiter, one limit per client key", async () => {
      // A minute's window: nothing expires during the test, so the verdicts are exact; Retry-After is what is left
      // of the window in whole seconds, never the window in ms (fastify-rate-limit#301).
      const limiter = createRateLimiter({ points: 2, durationMs: 60_000 });
      const key = (req: http.IncomingMessage) => String(req.headers["x-client"] ?? "anonymous");
      const { port, events } = await start({ rateLimit: { limiter, key } });
      const as = (client: string) => get(port, "/", { headers: { "x-client": client } });
      expect([(await as("a")).status, (await as("a")).status]).toEqual([200, 200]);
      const refused = await as("a");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(50);
      expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
      expect(refused.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_RATE_LIMITED");
      expect(events.seen.at(-1)).toMatchObject({ type: "rejected", reason: "rate-limit", inFlight: 0 });
      expect((await as("b")).status).toBe(200); // another client's limit is its own
    });

    it("answers 503 over the concurrency cap, with held requests", async () => {
      const { port, held, inbound } = await start({ concurrency: { max: 2 } });
      const parked = [get(port, "/hold"), get(port, "/hold")];
      await held.arrived(2);
      const refused = await get(port, "/hold");
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_CONCURRENCY_LIMITED");
      expect(inbound.inFlight()).toBe(2);
      held.release();
      expect((await Promise.all(parked)).map((r) => r.body)).toEqual(["held", "held"]);
    });

    it("releases the slot of a client that disconnects mid-request", async () => {
      const { port, held, events, inbound } = await start({ concurrency: { max: 1 } });
      const req = http.request({ host: "127.0.0.1", port, path: "/hold" });
      req.on("error", () => {});
      req.end();
      await held.arrived(1);
      req.destroy();
      expect(await events.next((e) => e.type === "finished")).toMatchObject({ aborted: true, inFlight: 0 });
      expect((await get(port)).status).toBe(200);
      held.release();
      expect(inbound.inFlight()).toBe(0);
    });

    it("drains under load: 0 dropped in-flight requests, new ones 503 + Connection: close", async () => {
      const { port, held, inbound } = await start({});
      const agent = new http.Agent({ keepAlive: true });
      const load = 20;
      const inFlight = Array.from({ length: load }, () => get(port, "/hold", { agent }));
      await held.arrived(load);
      const drained = inbound.draining();
      const refused = await get(port, "/");
      expect(refused.status).toBe(503);
      expect(refused.headers.connection).toBe("close");
      expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_DRAINING");
      held.release();
      const replies = await Promise.all(inFlight);
      expect(replies.filter((r) => r.status === 200 && r.body === "held")).toHaveLength(load);
      expect(replies.every((r) => r.headers.connection === "close")).toBe(true);
      await drained;
      agent.destroy();
    });
  });
}
