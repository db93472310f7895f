import http, { type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createInbound } from "./index.js";
import { Events, fakeClock, get, Held, listen, stop } from "./test-fixture.js";

// The adaptive cap is @outrigger/resilience's createAdaptiveLimitPolicy (Netflix concurrency-limits' VegasLimit):
// each admitted request is one call of the policy, from admission to the response's close.
let server: Server | undefined;
afterEach(async () => {
  if (server) await stop(server);
  server = undefined;
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function start(clock: ReturnType<typeof fakeClock>) {
  const held = new Held();
  const events = new Events();
  const inbound = createInbound({
    concurrency: { adaptive: true, initial: 2, max: 4 },
    clock,
    onEvent: events.listener,
  });
  server = http.createServer(
    inbound.nodeHandler((req, res) => {
      if (req.url === "/hold") void held.park().then(() => res.end("held"));
      else res.end("ok");
    }),
  );
  return { inbound, held, events, port: await listen(server) };
}

async function fill(port: number, held: Held, n: number, total: number) {
  const parked = Array.from({ length: n }, () => get(port, "/hold"));
  await held.arrived(total);
  return parked;
}

describe("adaptive concurrency", () => {
  it("starts at `initial`, and grows toward `max` while latency shows no queueing", async () => {
    const clock = fakeClock();
    const { port, held, events } = await start(clock);
    let parked = await fill(port, held, 2, 2);
    expect((await get(port, "/hold")).status).toBe(503);
    clock.advance(10); // both take 10 ms: the first sets the no-load RTT, the second shows nothing queued
    held.release();
    await Promise.all(parked);
    await events.next((e) => e.type === "finished" && e.inFlight === 0);
    await flush(); // the policy samples after the response's promise settles

    parked = await fill(port, held, 4, 6);
    const refused = await get(port, "/hold");
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).code).toBe("OUTRIGGER_CONCURRENCY_LIMITED");
    held.release();
    await Promise.all(parked);
  });

  it("learns nothing from a client that went away, and keeps what it learned across an unchanged reload", async () => {
    const clock = fakeClock();
    const { port, held, events, inbound } = await start(clock);
    const gone = Array.from({ length: 2 }, () => {
      const req = http.request({ host: "127.0.0.1", port, path: "/hold" });
      req.on("error", () => {});
      req.end();
      return req;
    });
    await held.arrived(2);
    clock.advance(10);
    for (const req of gone) req.destroy();
    await events.next((e) => e.type === "finished" && e.inFlight === 0);
    await flush();
    held.release();
    // Still the initial limit of 2: aborted requests are not latency samples.
    let parked = await fill(port, held, 2, 4);
    expect((await get(port, "/hold")).status).toBe(503);
    clock.advance(10);
    held.release();
    await Promise.all(parked);
    await flush();
    inbound.setOptions({ concurrency: { adaptive: true, initial: 2, max: 4 } });
    parked = await fill(port, held, 4, 8); // grown to 4, and the reload kept it
    expect((await get(port, "/hold")).status).toBe(503);
    held.release();
    await Promise.all(parked);
  });
});
