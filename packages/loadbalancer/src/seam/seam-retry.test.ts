// The seam suite: every wiring the loadbalancer and resilience READMEs show (policy alone, built-in retries,
// both; per-try timeouts in the policy or in the client; with and without a caller signal) against real loopback
// instances that refuse, reset before and after reading, answer 503/429 with Retry-After, and hang.
// Rules: RFC 9110 §9.2.2 (idempotent methods; a request may be retried after a connection loss only when
// idempotent) and §10.2.3 (Retry-After). Field cases replayed: FGRibreau/node-request-retry#145 and
// softonic/axios-retry#66 (ECONNRESET retried for POST after the server processed it), oven-sh/bun#28708 (a POST
// resent after a keep-alive reset), digitalocean/netbox-ip-controller#14 (duplicates from a retried POST).
import { getEventListeners } from "node:events";
import type { AxiosError } from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Behaviour, startInstances } from "./seam-fixture.js";
import { retryWirings, timeoutWirings, type Wiring, withSignals } from "./seam-wirings.js";

let fleet: Awaited<ReturnType<typeof startInstances>>;
const caller = new AbortController();

beforeAll(async () => {
  fleet = await startInstances([
    "ok",
    "refuse",
    "503",
    "429-retry-after-1s",
    "503-retry-after-120s",
    "reset-before-read",
    "reset-after-read",
    "hang",
  ]);
});
afterAll(() => fleet.close());

/** Sends one request through `wiring` over [first, "ok"]; returns the response or the error, and the balancer. */
async function send(wiring: Wiring, signal: boolean, method: "get" | "post", first: Behaviour) {
  fleet.reset();
  const balancer = fleet.balancer([first, "ok"]);
  const http = wiring.make(balancer);
  const config = signal ? { signal: caller.signal } : {};
  const started = performance.now();
  const result = await (method === "get" ? http.get("lb://svc/x", config) : http.post("lb://svc/x", { n: 1 }, config))
    .then((response) => ({ response, error: undefined }))
    .catch((error: AxiosError) => ({ response: undefined, error }));
  // Whatever happened, nothing stays on the caller's long-lived signal.
  expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  return { ...result, balancer, ms: performance.now() - started };
}

describe.each(withSignals([...retryWirings, ...timeoutWirings]))("$label", ({ wiring, signal }) => {
  it("retries a GET answered 503 on the other instance", async () => {
    const { response } = await send(wiring, signal, "get", "503");
    expect(response?.data.from).toBe("ok");
  });

  it("sends a POST whose first instance refused the connection to the other instance, once", async () => {
    const { response } = await send(wiring, signal, "post", "refuse");
    expect(response?.data.from).toBe("ok");
    expect(fleet.get("ok").processed).toBe(1);
  });

  it("never resends a POST the server read, processed and then reset: processed exactly once", async () => {
    const { error } = await send(wiring, signal, "post", "reset-after-read");
    expect(error?.code).toBe("ECONNRESET");
    expect(fleet.get("reset-after-read").processed).toBe(1);
    expect(fleet.get("ok").received).toBe(0);
  });

  it("retries a GET reset after reading (idempotent) on the other instance", async () => {
    const { response } = await send(wiring, signal, "get", "reset-after-read");
    expect(response?.data.from).toBe("ok");
  });

  it("retries a GET reset before reading; a POST reset before reading is processed at most once", async () => {
    expect((await send(wiring, signal, "get", "reset-before-read")).response?.data.from).toBe("ok");
    await send(wiring, signal, "post", "reset-before-read");
    expect(fleet.get("reset-before-read").processed).toBe(0);
    expect(fleet.get("ok").processed).toBeLessThanOrEqual(1);
  });

  it("waits for a 429's Retry-After (1 s) and then tries the other instance", async () => {
    const { response, ms } = await send(wiring, signal, "get", "429-retry-after-1s");
    expect(response?.data.from).toBe("ok");
    expect(ms).toBeGreaterThanOrEqual(990);
  });

  it("gives up at once on a Retry-After above the cap (120 s > 30 s) instead of waiting less than asked", async () => {
    const { error, ms } = await send(wiring, signal, "get", "503-retry-after-120s");
    expect(error?.response?.status).toBe(503);
    expect(fleet.get("ok").received).toBe(0);
    expect(ms).toBeLessThan(1_000);
  });
});

describe.each(withSignals(timeoutWirings))("$label, an instance that hangs", ({ wiring, signal }) => {
  it("times the GET out, counts it against the hanging instance and answers from the other", async () => {
    const { response, balancer } = await send(wiring, signal, "get", "hang");
    expect(response?.data.from).toBe("ok");
    // A policy's per-try timeout counts against the instance exactly like the client's perTryTimeoutMs.
    expect(balancer.stats("hang")).toMatchObject({ consecutiveFailures: 1, active: 0 });
  });

  it("times the POST out without sending it anywhere else", async () => {
    const { error } = await send(wiring, signal, "post", "hang");
    expect(["LB_ATTEMPT_TIMEOUT", "RESILIENCE_TIMEOUT"]).toContain(error?.code);
    expect(fleet.get("ok").received).toBe(0);
  });
});
