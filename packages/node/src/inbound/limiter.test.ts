import { once } from "node:events";
import http, { type Server } from "node:http";
import { type Admission, createRateLimiter, type RateLimiter } from "@outrigger/resilience";
import { afterEach, describe, expect, it } from "vitest";
import { createInbound, type InboundOptions, isInboundError } from "./index.js";
import { Events, get, Held, listen, stop } from "./test-fixture.js";

// createInbound on @outrigger/resilience's limiter engine (rateLimit: { limiter, key }): the one HTTP middleware for
// a limit that is per client or shared through Redis. Real node:http servers on loopback.
let server: Server | undefined;
afterEach(async () => {
  if (server) await stop(server);
  server = undefined;
});

async function start(options: InboundOptions) {
  const events = new Events();
  let handled = 0;
  const inbound = createInbound({ ...options, onEvent: events.listener });
  server = http.createServer(
    inbound.nodeHandler((_req, res) => {
      handled++;
      res.end("ok");
    }),
  );
  return { inbound, events, port: await listen(server), handled: () => handled };
}

/** A RateLimiter whose first verdict waits until the test lets it go (a Redis slow to answer), later ones do not. */
function slowLimiter(verdict: Admission) {
  const held = new Held();
  let calls = 0;
  const limiter: RateLimiter = {
    acquire: () => (calls++ === 0 ? held.park() : Promise.resolve()).then(() => verdict),
    onStoreError: () => ({ dispose: () => {} }),
  };
  return { limiter, held };
}

describe("rateLimit: { limiter } (a @outrigger/resilience RateLimiter)", () => {
  it("keys on the client's address by default: one client's spent limit is not another's", async () => {
    const { port } = await start({ rateLimit: { limiter: createRateLimiter({ points: 1, durationMs: 60_000 }) } });
    expect((await get(port)).status).toBe(200);
    const refused = await get(port);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_RATE_LIMITED");
    // Another loopback address is another client (Linux routes all of 127.0.0.0/8 to lo).
    const other = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, localAddress: "127.0.0.2" }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", reject);
    });
    expect(other).toBe(200);
  });

  // A failure of the limiter must answer the request, never leave it hanging (rate-limit-redis#190: a rejected store
  // promise left requests to time out as 504s behind a load balancer), and must not open the limit by default
  // (express-rate-limit#471: passing on a store error is an opt-in, `passOnStoreError`, off by default).
  const broken: Record<string, () => RateLimiter> = {
    "the key function throws": () => createRateLimiter({ points: 100 }),
    "the limiter rejects": () => ({
      acquire: () => Promise.reject(new Error("no tenant header at redis://app:s3cret@10.0.0.5:6379")),
      onStoreError: () => ({ dispose: () => {} }),
    }),
  };
  for (const [what, limiterOf] of Object.entries(broken)) {
    it(`refuses (429, Retry-After: 1) with a warning when ${what}: answered, not hung, not let through`, async () => {
      const warned = once(process, "warning");
      const key = () => {
        if (what === "the key function throws") throw new Error("no tenant header");
        return "all";
      };
      const { port, handled } = await start({ rateLimit: { limiter: limiterOf(), key } });
      const refused = await get(port);
      expect(refused.status).toBe(429);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_RATE_LIMITED");
      const [warning] = (await warned) as [Error & { code?: string }];
      expect(warning.code).toBe("OUTRIGGER_INBOUND_LIMITER_FAILED");
      expect(warning.message).toContain("no tenant header");
      expect(warning.message).not.toContain("s3cret"); // a store URL's credentials never reach the warning
      expect(handled()).toBe(0);
    });
  }

  it("a drain that begins while the limiter decides still refuses the request (503 + Connection: close)", async () => {
    const { limiter, held } = slowLimiter({ allowed: true, remaining: 9, resetMs: 1_000 });
    const { port, inbound, handled } = await start({ rateLimit: { limiter } });
    const reply = get(port);
    await held.arrived(1);
    await inbound.draining(); // nothing admitted yet: resolves at once
    held.release();
    const refused = await reply;
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe("close");
    expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_DRAINING");
    expect(handled()).toBe(0);
  });

  it("a client gone while the limiter decides is neither run nor counted", async () => {
    const { limiter, held } = slowLimiter({ allowed: true, remaining: 9, resetMs: 1_000 });
    const { port, inbound, events, handled } = await start({ rateLimit: { limiter } });
    const gone = new Promise((resolve) => (server as Server).once("connection", (s) => s.once("close", resolve)));
    const req = http.request({ host: "127.0.0.1", port, path: "/" });
    req.on("error", () => {});
    req.end();
    await held.arrived(1);
    req.destroy();
    await gone; // the server saw the client leave before the limiter answered
    held.release();
    expect((await get(port)).status).toBe(200); // the next request is served: the limiter admits it too
    expect(handled()).toBe(1);
    expect(events.count("admitted")).toBe(1);
    expect(inbound.inFlight()).toBe(0);
  });

  it("setOptions switches between a bucket and a limiter; a mixed or half option is refused and the old stays", async () => {
    const { port, inbound } = await start({ rateLimit: { requestsPerSecond: 1, burst: 1 } });
    expect((await get(port)).status).toBe(200);
    expect((await get(port)).status).toBe(429);
    inbound.setOptions({ rateLimit: { limiter: createRateLimiter({ points: 2, durationMs: 60_000 }) } });
    expect([(await get(port)).status, (await get(port)).status, (await get(port)).status]).toEqual([200, 200, 429]);
    const limiter = createRateLimiter({ points: 1 });
    const refusals = [
      { rateLimit: { limiter, requestsPerSecond: 5 } },
      { rateLimit: { requestsPerSecond: 5, key: () => "all" } },
      { rateLimit: { limiter: {} } },
      { rateLimit: { limiter, key: "ip" } },
    ].map((bad) => {
      try {
        inbound.setOptions(bad as unknown as InboundOptions);
        return "accepted";
      } catch (error) {
        return isInboundError(error) ? `${error.code}: ${error.message}` : String(error);
      }
    });
    expect(refusals).toEqual([
      "OUTRIGGER_INVALID_OPTION: createInbound: rateLimit takes either limiter (and key) or requestsPerSecond (and burst), not both",
      "OUTRIGGER_INVALID_OPTION: createInbound: rateLimit.key needs rateLimit.limiter",
      "OUTRIGGER_INVALID_OPTION: createInbound: rateLimit.limiter must have an acquire() method (a @outrigger/resilience RateLimiter)",
      "OUTRIGGER_INVALID_OPTION: createInbound: rateLimit.key must be a function, got string",
    ]);
    expect((await get(port)).status).toBe(429); // the limiter in force, its window spent
  });
});
