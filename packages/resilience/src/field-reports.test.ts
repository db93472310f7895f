// Field reports against cockatiel, Hystrix and resilience4j, replayed against this package's policies with real
// loopback servers where a dependency is involved. Each test names the report it replays (repo#number); the rules
// come from connor4312/cockatiel src/RetryPolicy.ts, src/TimeoutPolicy.ts, src/BulkheadPolicy.ts and
// resilience4j-circuitbreaker CircuitBreakerStateMachine.java / CircuitBreakerMetrics.java.
import { getEventListeners, once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { CircuitState, createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { describeCall } from "./index.js";
import { createRetryPolicy } from "./retry.js";
import { HttpStatusError, statusOf } from "./retryable.js";
import { createTimeoutPolicy } from "./timeout.js";

let server: Server;
let origin = "";
let hits = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    hits++;
    // Busy, and asking for three seconds of patience (openai/openai-node#2580's server).
    response.writeHead(503, request.url === "/patience" ? { "retry-after": "3" } : {});
    response.end();
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** One GET to the loopback server under the attempt's signal; a non-2xx answer is thrown as HttpStatusError. */
const get =
  (path: string) =>
  async ({ signal }: { signal: AbortSignal }) => {
    const answer = await fetch(`${origin}${path}`, { signal });
    await answer.arrayBuffer();
    if (!answer.ok) throw new HttpStatusError(answer.status, Object.fromEntries(answer.headers));
    return answer.status;
  };

/** A promise and its resolver, for calls held open by the test. */
function held() {
  let release: () => void = () => undefined;
  const promise = new Promise<string>((resolve) => {
    release = () => resolve("done");
  });
  return { promise, release };
}

describe("retry and timeout", () => {
  it("connor4312/cockatiel#81 (and #69): retry around a per-try timeout leaves no abort listener on the caller's signal", async () => {
    const caller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const pipeline = composePolicies(
      createRetryPolicy({ maxAttempts: 15, backoff: "none" }),
      createTimeoutPolicy({ ms: 2_000 }),
    );
    // Fifteen attempts, each answered 503 by a real server, all under one long-lived caller signal (cockatiel's
    // repro: MaxListenersExceededWarning after 11 attempts, one listener left per attempt).
    const failed = await pipeline
      .execute(get("/busy"), caller.signal, describeCall({ method: "GET" }))
      .catch((error: unknown) => error);
    process.off("warning", onWarning);
    expect(statusOf(failed)).toBe(503);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("openai/openai-node#2580, connor4312/cockatiel#25: an abort during a Retry-After backoff ends the call at once, with no further attempt", async () => {
    hits = 0;
    const caller = new AbortController();
    const retry = createRetryPolicy({ maxAttempts: 3 });
    const why: string[] = [];
    retry.onGiveUp((event) => why.push(event.why));
    // The server asked for 3 s; the caller gives up as soon as the backoff starts.
    retry.onRetry(() => caller.abort(new Error("stop retrying")));
    const started = performance.now();
    const failed = await retry
      .execute(get("/patience"), caller.signal, describeCall({ method: "GET" }))
      .catch((error: unknown) => error);
    const elapsed = performance.now() - started;
    // As cockatiel: the last attempt's error is what the caller gets, and the backoff timer is gone with it.
    expect(statusOf(failed)).toBe(503);
    expect(why).toEqual(["aborted"]);
    expect(hits).toBe(1);
    expect(elapsed).toBeLessThan(2_000); // well under the 3 s the server asked for
  });
});

describe("circuit breaker: half-open", () => {
  const clockAt = () => {
    const clock = { t: 0, now: () => clock.t };
    return clock;
  };
  const fail = () => Promise.reject(new HttpStatusError(503));

  it("Netflix/Hystrix#1739, connor4312/cockatiel#73, resilience4j/resilience4j#1432: admits exactly halfOpenTrials calls at once and refuses the rest at once", async () => {
    const clock = clockAt();
    const breaker = createCircuitBreaker({
      mode: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: 1_000,
      halfOpenTrials: 3,
      clock,
    });
    await breaker.execute(fail).catch(() => undefined);
    clock.t = 1_000;
    const trial = held();
    let admitted = 0;
    const calls = Array.from({ length: 10 }, () =>
      breaker
        .execute(() => {
          admitted++;
          return trial.promise;
        })
        .catch((error: { code: string }) => error.code),
    );
    expect(admitted).toBe(3);
    trial.release();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === "done")).toHaveLength(3);
    expect(outcomes.filter((o) => o === "RESILIENCE_CIRCUIT_OPEN")).toHaveLength(7);
    expect(breaker.state).toBe(CircuitState.Closed);
  });

  it("resilience4j/resilience4j#903, #935: a trial that never settles does not keep the circuit half-open for ever", async () => {
    const clock = clockAt();
    const breaker = createCircuitBreaker({
      mode: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: 1_000,
      clock,
    });
    const events: string[] = [];
    breaker.onBreak(() => events.push("break"));
    breaker.onHalfOpen(() => events.push("half-open"));
    breaker.onReset(() => events.push("reset"));
    await breaker.execute(fail).catch(() => undefined);
    clock.t = 1_000;
    const hung = breaker.execute(() => new Promise<never>(() => undefined)); // a trial with no timeout, hung
    void hung;
    await expect(breaker.execute(() => "ok")).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    // A whole open period later the hung trial counts as failed: open again, then a fresh trial decides.
    clock.t = 2_000;
    await expect(breaker.execute(() => "ok")).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    expect(breaker.state).toBe(CircuitState.Open);
    clock.t = 3_000;
    expect(await breaker.execute(() => "ok")).toBe("ok");
    expect(breaker.state).toBe(CircuitState.Closed);
    expect(events).toEqual(["break", "half-open", "break", "half-open", "reset"]);
  });

  it("resilience4j/resilience4j#903: maxHalfOpenMs bounds the wait for a slow trial's verdict", async () => {
    const clock = clockAt();
    const breaker = createCircuitBreaker({
      mode: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: 10_000,
      maxHalfOpenMs: 500,
      clock,
    });
    await breaker.execute(fail).catch(() => undefined);
    clock.t = 10_000;
    const slow = held();
    const trial = breaker.execute(() => slow.promise);
    clock.t = 10_499;
    await expect(breaker.execute(() => "ok")).rejects.toMatchObject({ message: expect.stringContaining("half-open") });
    expect(breaker.state).toBe(CircuitState.HalfOpen);
    clock.t = 10_500;
    await expect(breaker.execute(() => "ok")).rejects.toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
    expect(breaker.state).toBe(CircuitState.Open);
    // The late trial's success belongs to a half-open period that is over: it cannot close the circuit.
    slow.release();
    expect(await trial).toBe("done");
    expect(breaker.state).toBe(CircuitState.Open);
  });

  it("refuses a maxHalfOpenMs below 1 ms with RESILIENCE_INVALID_OPTION", () => {
    expect(() =>
      createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 0, maxHalfOpenMs: 0 }),
    ).toThrow(expect.objectContaining({ code: "RESILIENCE_INVALID_OPTION" }));
  });
});

describe("circuit breaker: count window", () => {
  it("resilience4j/resilience4j#1349: a minimumCalls above the window size is capped at the size, not a circuit that never opens", async () => {
    const breaker = createCircuitBreaker({
      mode: { kind: "count", size: 5, failureRatio: 0.5, minimumCalls: 10 },
      halfOpenAfterMs: 30_000,
    });
    // The reporter's sequence: every call fails; resilience4j opens once the 5-call window is full.
    for (let i = 0; i < 5; i++) await breaker.execute(() => Promise.reject(new HttpStatusError(503))).catch(() => 0);
    expect(breaker.state).toBe(CircuitState.Open);
  });
});

describe("bulkhead", () => {
  it("connor4312/cockatiel#114: a queued call whose caller aborts frees its queue place and never takes a slot", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
    const running = held();
    const first = bulkhead.execute(() => running.promise);
    const caller = new AbortController();
    const queued = bulkhead.execute(() => "never run", caller.signal);
    expect(bulkhead.queueSlots).toBe(0);
    caller.abort(new Error("caller gave up"));
    await expect(queued).rejects.toThrow("caller gave up");
    expect(bulkhead.queueSlots).toBe(1);
    // The next caller gets the place; when the slot frees it runs, and every slot comes back.
    const next = bulkhead.execute(() => "ran");
    running.release();
    expect(await Promise.all([first, next])).toEqual(["done", "ran"]);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 1]);
  });
});
