// Outlier detection's `countRetriedAttempts` against real loopback servers, on both transports (createLbAxios on
// axios's http adapter, createLbDispatcher on undici). Conformance sources: haproxy/haproxy src/http_ana.c
// (`http_wait_for_response`: an L7 retry — `retry-on 503`, `response-timeout` — returns before `health_adjust()`, so
// only the response kept counts) and src/backend.c (`back_handle_st_cer`: a connection failure is judged
// `HANA_STATUS_L4_ERR` before the retry); envoyproxy/envoy source/common/router/router.cc (`onUpstreamHeaders`:
// `putHttpResponseCode` before `shouldRetryHeaders`, every attempt judged: the default).
import { FixedInstancer } from "@outrigger/discovery";
import { createRetryPolicy } from "@outrigger/resilience";
import type { AxiosError } from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttemptPolicy } from "./attempt-policy.js";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { OutlierOptions } from "./outlier-detector.js";
import { RoundRobinRule } from "./round-robin.js";
import type { StatefulBalancer } from "./stateful-balancer.js";
import { countingServers, deadPort, instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

/**
 * The clients: axios on its http adapter with the bench's `validateStatus` (a 5xx rejects: the AxiosError path),
 * the same accepting every status (a retryable status is thrown inside the client: the RetryableResponse path), and
 * the undici dispatcher (a retryable answer held back: the HeldResponse path).
 */
type Transport = "axios (5xx rejected)" | "axios (5xx accepted)" | "undici";
const TRANSPORTS: readonly Transport[] = ["axios (5xx rejected)", "axios (5xx accepted)", "undici"];

let shedding: Awaited<ReturnType<typeof countingServers>>;
let healthy: Awaited<ReturnType<typeof countingServers>>;
let silent: Awaited<ReturnType<typeof countingServers>>;
const refused: Record<string, number> = {};
beforeAll(async () => {
  // Both answer every request 503, as instances shedding load do.
  shedding = await countingServers(["a", "b"], (_name, _request, response) => {
    response.statusCode = 503;
    response.end("busy");
  });
  healthy = await countingServers(["ok"]);
  // Never answer: only the client's per-try timeout ends a request there.
  silent = await countingServers(["h1", "h2"], () => undefined);
  refused.x = await deadPort();
});
afterAll(() => {
  shedding.close();
  healthy.close();
  silent.close();
});

const portOf = (id: string): number =>
  shedding.ports[id] ?? healthy.ports[id] ?? silent.ports[id] ?? (refused[id] as number);

/** Round robin from the first instance over `ids`; ejection after 2 failures in a row, any share ejected. */
function balancerOver(ids: readonly string[], outlier: OutlierOptions): StatefulBalancer {
  return createBalancer({
    instancer: new FixedInstancer(ids.map((id) => instance(id, "UP", portOf(id)))),
    rule: new RoundRobinRule({ random: () => 0 }),
    outlierDetection: { consecutive5xx: 2, maxEjectionPercent: 100, ...outlier },
  });
}

interface Retries {
  readonly maxAttempts?: number;
  /** A resilience retry policy around the client does the retries (the client's own retry is off). */
  readonly policy?: AttemptPolicy;
  readonly perTryTimeoutMs?: number;
}

/** Sends one GET per call through `transport`; resolves with the status the caller got. */
function clientOf(transport: Transport, balancer: StatefulBalancer, retries: Retries) {
  const retry = retries.policy
    ? (false as const)
    : { maxAttempts: retries.maxAttempts ?? 2, retryOnStatus: [503], backoff: "none" as const };
  const common = {
    balancer: () => balancer,
    retry,
    ...(retries.policy ? { policy: retries.policy } : {}),
    ...(retries.perTryTimeoutMs ? { perTryTimeoutMs: retries.perTryTimeoutMs } : {}),
    // A per-try timer that a loaded test machine ran late must still count against the instance here.
    localLagThresholdMs: 2_147_483_647,
  };
  if (transport !== "undici") {
    const accepted = transport === "axios (5xx accepted)";
    const validateStatus = accepted ? () => true : (status: number) => status < 500;
    const http = createLbAxios({ ...common, transport: "http", defaults: { validateStatus } });
    const call = () =>
      http.get("lb://svc/work").then(
        (answer) => answer.status,
        (error: AxiosError) => error.response?.status ?? 0,
      );
    return { call, close: async () => undefined };
  }
  const dispatcher = createLbDispatcher(common);
  return {
    call: () =>
      dispatcher.request({ origin: "lb://svc", path: "/work", method: "GET" }).then(
        async (answer) => {
          await answer.body.dump();
          return answer.statusCode;
        },
        () => 0,
      ),
    close: () => dispatcher.close(),
  };
}

const failuresOf = (balancer: StatefulBalancer, ids: readonly string[]) =>
  Object.fromEntries(ids.map((id) => [id, balancer.stats(id)?.consecutiveFailures]));

describe.each(TRANSPORTS)("countRetriedAttempts on the %s transport", (transport) => {
  it.each([2, 3])(
    "false (HAProxy's rule): a 503 retried on the other instance is not counted; the 503 each call keeps is, and ejects after 2 (maxAttempts %i)",
    async (maxAttempts) => {
      const balancer = balancerOver(["a", "b"], { countRetriedAttempts: false });
      const ejected: string[] = [];
      balancer.onEjection(({ instance }) => ejected.push(instance.id));
      const client = clientOf(transport, balancer, { maxAttempts });
      shedding.reset();
      // Call 1: a (retried on b), b (kept). Call 2: b (retried on a), a (kept). With 3 attempts the engine would
      // retry b too, but no untried instance is left: b's 503 is the answer, and counts.
      expect([await client.call(), await client.call()]).toEqual([503, 503]);
      expect(shedding.arrivals).toEqual({ a: 2, b: 2 });
      expect(failuresOf(balancer, ["a", "b"])).toEqual({ a: 1, b: 1 });
      expect(ejected).toEqual([]);
      // Call 3: a (retried), b (kept): b's second kept failure in a row ejects it.
      expect(await client.call()).toBe(503);
      expect(ejected).toEqual(["b"]);
      await client.close();
    },
  );

  it("false: a per-try timeout retried on the other instance is not counted; the timeout the call keeps is", async () => {
    const balancer = balancerOver(["h1", "h2"], { countRetriedAttempts: false });
    const client = clientOf(transport, balancer, { perTryTimeoutMs: 200 });
    // h1 times out (retried on h2), h2 times out: the caller gets that timeout.
    expect(await client.call()).toBe(0);
    expect(failuresOf(balancer, ["h1", "h2"])).toEqual({ h1: 0, h2: 1 });
    await client.close();
  });

  it("true (the default, Envoy's rule): every attempt counts, and two calls eject both instances", async () => {
    const balancer = balancerOver(["a", "b"], {});
    const ejected: string[] = [];
    balancer.onEjection(({ instance }) => ejected.push(instance.id));
    const client = clientOf(transport, balancer, {});
    await client.call();
    await client.call();
    expect(ejected.sort()).toEqual(["a", "b"]);
    await client.close();
  });

  it("false: a refused connection still counts on every attempt, retried or not (HAProxy's back_handle_st_cer)", async () => {
    const balancer = balancerOver(["x", "ok"], { countRetriedAttempts: false });
    const ejected: string[] = [];
    balancer.onEjection(({ instance }) => ejected.push(instance.id));
    const client = clientOf(transport, balancer, {});
    // Round robin starts x's calls every other time; each is refused there and retried on ok, which answers.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await client.call());
    expect(statuses).toEqual([200, 200, 200, 200]);
    // Two refused attempts on x, both retried: both counted, and two in a row eject it.
    expect(ejected).toEqual(["x"]);
    await client.close();
  });

  it("false: retries made by a retry policy around the client are seen too (the attempt context asks its engine)", async () => {
    const balancer = balancerOver(["a", "b"], { countRetriedAttempts: false });
    const policy = createRetryPolicy({ maxAttempts: 2, retryOnStatus: [503], backoff: "none" });
    const client = clientOf(transport, balancer, { policy });
    shedding.reset();
    expect(await client.call()).toBe(503);
    expect(shedding.arrivals).toEqual({ a: 1, b: 1 });
    // a's 503 was retried on b by the policy; b's is the answer.
    expect(failuresOf(balancer, ["a", "b"])).toEqual({ a: 0, b: 1 });
    await client.close();
  });
});
