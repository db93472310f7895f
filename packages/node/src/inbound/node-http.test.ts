import http, { type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createInbound, type Inbound, type InboundOptions } from "./index.js";
import { Events, fakeClock, get, Held, listen, stop } from "./test-fixture.js";

// Real node:http servers on loopback. Rules: 429 + Retry-After (RFC 6585 §4, RFC 9110 §10.2.3 delta-seconds).
let server: Server | undefined;
afterEach(async () => {
  if (server) await stop(server);
  server = undefined;
});

async function start(options: InboundOptions) {
  const held = new Held();
  const events = new Events();
  const inbound = createInbound({ ...options, onEvent: events.listener });
  server = http.createServer(
    inbound.nodeHandler((req, res) => {
      if (req.url === "/hold") void held.park().then(() => res.end("held"));
      else res.end("ok");
    }),
  );
  return { inbound, held, events, port: await listen(server) };
}

describe("rate limit (token bucket on a fake clock)", () => {
  it("admits the burst, then answers 429 with Retry-After in whole seconds and a JSON code", async () => {
    const clock = fakeClock();
    const { port, events } = await start({ rateLimit: { requestsPerSecond: 1, burst: 2 }, clock });
    expect((await get(port)).status).toBe(200);
    expect((await get(port)).status).toBe(200);
    const refused = await get(port);
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body)).toMatchObject({ code: "OUTRIGGER_RATE_LIMITED" });
    expect(events.seen.at(-1)).toEqual({ type: "rejected", reason: "rate-limit", retryAfterMs: 1000, inFlight: 0 });
    clock.advance(999);
    expect((await get(port)).status).toBe(429);
    clock.advance(1);
    expect((await get(port)).status).toBe(200);
  });

  it("rounds a fractional wait up, never down to 0 (RFC 9110 §10.2.3 allows no fraction)", async () => {
    const clock = fakeClock();
    const { port } = await start({ rateLimit: { requestsPerSecond: 0.25 }, clock });
    await get(port);
    expect((await get(port)).headers["retry-after"]).toBe("4");
    clock.advance(3_500);
    expect((await get(port)).headers["retry-after"]).toBe("1");
  });
  it("says the remaining wait in seconds, never ms or the whole window, and keeps its word (fastify-rate-limit#301, #324; flask-limiter#62)", async () => {
    const clock = fakeClock();
    const { port } = await start({ rateLimit: { requestsPerSecond: 0.4, burst: 2 }, clock });
    await get(port);
    await get(port);
    clock.advance(1_000);
    const refused = await get(port);
    expect(refused.headers["retry-after"]).toBe("2"); // 1.5 s of the 2.5 s per token left, rounded up; not "1500"
    clock.advance(2_000); // a client that waits exactly Retry-After is admitted, not refused again
    expect((await get(port)).status).toBe(200);
  });
});

describe("concurrency limit (held requests, no sleeps)", () => {
  it("answers 503 OUTRIGGER_CONCURRENCY_LIMITED over max and admits again when a slot frees", async () => {
    const { port, held, events, inbound } = await start({ concurrency: { max: 2 } });
    const first = [get(port, "/hold"), get(port, "/hold")];
    await held.arrived(2);
    const refused = await get(port, "/hold");
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBeUndefined();
    expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_CONCURRENCY_LIMITED");
    expect(inbound.inFlight()).toBe(2);
    held.release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    await events.next((e) => e.type === "finished" && e.inFlight === 0);
    expect((await get(port)).status).toBe(200);
  });

  it("does not spend a rate token on a request the concurrency cap refuses", async () => {
    const clock = fakeClock();
    const { port, held } = await start({
      concurrency: { max: 1 },
      rateLimit: { requestsPerSecond: 1, burst: 2 },
      clock,
    });
    const parked = get(port, "/hold");
    await held.arrived(1);
    for (let i = 0; i < 3; i++) expect((await get(port)).status).toBe(503);
    held.release();
    await parked;
    expect((await get(port)).status).toBe(200); // the burst's second token is still there
  });

  it("releases the slot of a client that disconnects mid-request, exactly once (express-rate-limit#108, #110)", async () => {
    const { port, held, events, inbound } = await start({ concurrency: { max: 1 } });
    const req = http.request({ host: "127.0.0.1", port, path: "/hold", method: "POST" });
    req.on("error", () => {});
    req.write("part of a body"); // the rest never comes
    await held.arrived(1);
    expect(inbound.inFlight()).toBe(1);
    req.destroy();
    const finished = await events.next((e) => e.type === "finished");
    expect(finished).toMatchObject({ aborted: true, inFlight: 0 });
    expect((await get(port)).status).toBe(200);
    held.release(); // the parked handler now writes to a closed response: no second release
    expect(inbound.inFlight()).toBe(0);
    expect(events.count("finished")).toBe(2);
  });

  it("frees the slot of a response sent before the request body was read", async () => {
    const inbound = createInbound({ concurrency: { max: 1 } });
    server = http.createServer(inbound.nodeHandler((_req, res) => res.end("early")));
    const port = await listen(server);
    const big = "x".repeat(256 * 1024);
    expect((await get(port, "/", { method: "POST", body: big })).body).toBe("early");
    expect((await get(port, "/", { method: "POST", body: big })).body).toBe("early");
    expect(inbound.inFlight()).toBe(0);
  });
});

describe("setOptions (live limits)", () => {
  it("counts requests already running against a new max (no fresh slots on reload)", async () => {
    const { port, held, inbound } = await start({ concurrency: { max: 3 } });
    const parked = [get(port, "/hold"), get(port, "/hold"), get(port, "/hold")];
    await held.arrived(3);
    inbound.setOptions({ concurrency: { max: 2 } });
    expect((await get(port, "/hold")).status).toBe(503);
    inbound.setOptions({ concurrency: { max: 4 } });
    const fourth = get(port, "/hold");
    await held.arrived(4);
    expect((await get(port, "/hold")).status).toBe(503);
    held.release();
    await Promise.all([...parked, fourth]);
  });

  it("refuses a bad update with OUTRIGGER_INVALID_OPTION naming the option, and keeps the old limits", async () => {
    const clock = fakeClock();
    const { port, inbound } = await start({ rateLimit: { requestsPerSecond: 1, burst: 1 }, clock });
    await get(port);
    expect(() => inbound.setOptions({ rateLimit: { requestsPerSecond: -5 } })).toThrowError(
      expect.objectContaining({
        code: "OUTRIGGER_INVALID_OPTION",
        message: expect.stringContaining("rateLimit.requestsPerSecond"),
      }),
    );
    expect(() =>
      inbound.setOptions({ concurrency: { max: 1 }, rateLimit: { requestsPerSecnd: 9 } } as never),
    ).toThrowError(/unknown key "requestsPerSecnd"/);
    expect((await get(port)).status).toBe(429); // the old rate limit, and no concurrency cap was half-applied
    inbound.setOptions({ rateLimit: { requestsPerSecond: 1, burst: 5 } });
    expect((await get(port)).status).toBe(429); // a reload hands out no fresh burst
    clock.advance(2_000);
    expect((await get(port)).status).toBe(200);
    expect((await get(port)).status).toBe(200);
  });

  it("switches a limit off when the update leaves it out", async () => {
    const clock = fakeClock();
    const { port, inbound } = await start({ rateLimit: { requestsPerSecond: 1, burst: 1 }, clock });
    await get(port);
    inbound.setOptions({});
    expect((await get(port)).status).toBe(200);
  });
});

describe("hooks", () => {
  it("calls onRequest for every request, refused ones too, and survives throwing listeners", async () => {
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(String(w.code));
    process.on("warning", onWarning);
    const clock = fakeClock();
    const inbound = createInbound({
      rateLimit: { requestsPerSecond: 1, burst: 1 },
      clock,
      onRequest: (req) => {
        seen.push(String(req.url));
        throw new Error("telemetry broke");
      },
      onEvent: () => {
        throw new Error("metrics broke");
      },
    });
    server = http.createServer(inbound.nodeHandler((_req, res) => res.end("ok")));
    const port = await listen(server);
    expect((await get(port, "/a")).status).toBe(200);
    expect((await get(port, "/b")).status).toBe(429);
    expect(seen).toEqual(["/a", "/b"]);
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
    process.off("warning", onWarning);
    expect(warnings).toContain("OUTRIGGER_LISTENER_FAILED");
  });
});

describe("options", () => {
  it.each([
    [{ rateLimit: { requestsPerSecond: 0 } }, "rateLimit.requestsPerSecond"],
    [{ rateLimit: { requestsPerSecond: 10, burst: 0.5 } }, "rateLimit.burst"],
    [{ concurrency: { max: 0 } }, "concurrency.max"],
    [{ concurrency: { adaptive: true, initial: 50, max: 10 } }, "concurrency.max"],
    [{ concurrency: { adaptive: false } }, "concurrency.adaptive"],
    [{ concurrency: { initial: 3 } }, "concurrency.initial"],
    [{ concurency: { max: 3 } }, 'unknown key "concurency"'],
    [{ onEvent: "log" }, "onEvent"],
    [{ clock: {} }, "clock"],
  ])("refuses %j with OUTRIGGER_INVALID_OPTION", (options, named) => {
    expect(() => createInbound(options as never)).toThrowError(
      expect.objectContaining({ code: "OUTRIGGER_INVALID_OPTION", message: expect.stringContaining(named) }),
    );
  });

  it("refuses a new clock in setOptions", () => {
    const inbound: Inbound = createInbound({ clock: fakeClock() });
    expect(() => inbound.setOptions({ clock: fakeClock() })).toThrowError(/clock is chosen once/);
  });
});
