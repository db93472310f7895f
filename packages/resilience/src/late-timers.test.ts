// A timeout or hedge delay around a network call whose answer arrived while this process's event loop was stalled
// (a GC pause, a busy or descheduled process): Node runs due timers before it reads the sockets, so a plain timer
// acts first — cockatiel's TimeoutPolicy (src/TimeoutPolicy.ts: `setTimeout(() => cts.cancel(), duration)`) fails
// the call, a hedge sends a duplicate. The rule kept here: groupon/gofer#71 ("Fire IO timeouts after IO") and
// sindresorhus/got#117 ("if timeout is 50ms and response was on 48ms, chances are that user will get ETIMEDOUT").
// Real loopback HTTP server; the stall is real (the thread blocks right after the server wrote its answer).
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeCall } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHedgePolicy } from "./hedge.js";
import { createTimeoutPolicy } from "./timeout.js";

/** Blocks this thread for `ms`, as a long GC pause or a descheduled process does. */
const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let server: Server;
let url: string;
let requests = 0;
/** The next request is answered, then the process stalls this long with the answer on its way to the client. */
let stallAfterAnswer = 0;
beforeAll(async () => {
  server = createServer((_request, response) => {
    requests++;
    response.end("ok");
    const ms = stallAfterAnswer;
    stallAfterAnswer = 0;
    if (ms > 0) stall(ms);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** GET `url`'s body, cancelled by `signal`. */
const getText = (signal: AbortSignal): Promise<string> =>
  new Promise((resolve, reject) => {
    get(url, { signal }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve(body));
    }).on("error", reject);
  });

describe("createTimeoutPolicy around a network call, after a stall of the event loop", () => {
  it.each([
    { expireAfterIo: true, outcome: "ok" },
    { expireAfterIo: false, outcome: "RESILIENCE_TIMEOUT" },
  ])(
    "expireAfterIo $expireAfterIo: an answer received during the stall → $outcome",
    async ({ expireAfterIo, outcome }) => {
      const policy = createTimeoutPolicy({ ms: 250, expireAfterIo });
      stallAfterAnswer = 1_000;
      const result = await policy
        .execute(({ signal }) => getText(signal))
        .then(
          (body) => body,
          (error: { code?: string }) => error.code,
        );
      expect(result).toBe(outcome);
    },
  );

  it("is off by default (a generic policy: the timer-callback expiry stays unless asked for)", async () => {
    const policy = createTimeoutPolicy({ ms: 250 });
    stallAfterAnswer = 1_000;
    await expect(policy.execute(({ signal }) => getText(signal))).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
  });
});

describe("createHedgePolicy around a network call, after a stall of the event loop", () => {
  it("sends no hedge for a call whose answer arrived during the stall", async () => {
    const hedge = createHedgePolicy({ delayMs: 100 });
    let hedges = 0;
    hedge.onHedge(() => hedges++);
    const before = requests;
    stallAfterAnswer = 600;
    const body = await hedge.execute(({ signal }) => getText(signal), undefined, describeCall({ method: "GET" }));
    expect(body).toBe("ok");
    expect({ hedges, requests: requests - before }).toEqual({ hedges: 0, requests: 1 });
  });
});
