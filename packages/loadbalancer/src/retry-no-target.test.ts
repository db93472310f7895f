// A retry with nowhere to go is not a retry. Three instances all answering 503, `maxAttempts: 5`,
// `retryTriedInstances: false`: three attempts can be sent, so two retries. The engine used to decide a third retry
// before the pick found no untried instance — announcing it (`onRetry`), waiting out its backoff and withdrawing a
// budget token for an attempt never sent, then giving up as "not-retryable". Envoy counts `upstream_rq_retry` only
// once every gate let the retry through, `upstream_rq_retry_limit_exceeded` / `_overflow` otherwise
// (source/common/router/retry_state_impl.cc, `RetryStateImpl::shouldRetry`): onRetry mirrors `upstream_rq_retry`,
// and the give-up reason `no-target` says why the call stopped. Real loopback servers, both transports. A retry policy
// around the client keeps its behaviour (it re-picks among tried instances), checked here too.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { GiveUpMessage, RetryBudgetLike } from "@outrigger/core";
import { FixedInstancer } from "@outrigger/discovery";
import { createRetryPolicy } from "@outrigger/resilience";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttemptPolicy } from "./attempt-policy.js";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { RetryOptions } from "./retry-decision.js";
import { countingServers, instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

const IDS = ["a", "b", "c"] as const;
let shedding: Awaited<ReturnType<typeof countingServers>>;
beforeAll(async () => {
  shedding = await countingServers(IDS, (_name, _request, response) => {
    response.statusCode = 503;
    response.end("busy");
  });
});
afterAll(() => shedding.close());

/** A budget that lends every token and counts what was withdrawn. */
function countingBudget(): RetryBudgetLike & { withdrawn: number } {
  return {
    withdrawn: 0,
    deposit: () => undefined,
    tryWithdraw() {
      this.withdrawn++;
      return true;
    },
  };
}

/** One GET through `transport` with the client's built-in retry or a resilience retry policy; resolves its status. */
async function callOnce(transport: "axios http" | "undici", retry: RetryOptions, policy?: AttemptPolicy) {
  const balancer = createBalancer({
    instancer: new FixedInstancer(IDS.map((id) => instance(id, "UP", shedding.ports[id] as number))),
  });
  const common = { balancer: () => balancer, retry, ...(policy ? { policy } : {}) };
  try {
    if (transport === "axios http") {
      const http = createLbAxios({ ...common, transport: "http" });
      return (await http.get("lb://svc/", { validateStatus: () => true })).status;
    }
    const dispatcher = createLbDispatcher(common);
    const answer = await dispatcher.request({ origin: "lb://svc", path: "/", method: "GET" });
    await answer.body.dump();
    await dispatcher.close();
    return answer.statusCode;
  } finally {
    balancer.close();
  }
}

/** What the call published: lb retries (the retries metric) and core give-ups (their reasons). */
function listen() {
  const retries: unknown[] = [];
  const why: string[] = [];
  const onRetry = (m: unknown) => retries.push(m);
  const onGiveUp = (m: unknown) => why.push((m as GiveUpMessage).why);
  subscribe("outrigger:lb:retry", onRetry);
  subscribe("outrigger:core:give-up", onGiveUp);
  return {
    retries,
    why,
    stop: () => {
      unsubscribe("outrigger:lb:retry", onRetry);
      unsubscribe("outrigger:core:give-up", onGiveUp);
    },
  };
}

const sent = () => IDS.reduce((n, id) => n + (shedding.arrivals[id] ?? 0), 0);

describe.each(["axios http", "undici"] as const)("every instance tried, on the %s transport", (transport) => {
  it("built-in retry: a budget token and a retry metric per retry sent, and the give-up says no-target", async () => {
    const budget = countingBudget();
    const heard = listen();
    shedding.reset();
    try {
      const retry: RetryOptions = {
        maxAttempts: 5,
        retryOnStatus: [503],
        backoff: "none",
        retryTriedInstances: false,
        budget,
      };
      expect(await callOnce(transport, retry)).toBe(503);
    } finally {
      heard.stop();
    }
    expect(sent()).toBe(3);
    expect({ withdrawn: budget.withdrawn, retries: heard.retries.length, why: heard.why }).toEqual({
      withdrawn: 2,
      retries: 2,
      why: ["no-target"],
    });
  });

  it("a resilience retry policy around the client still re-picks among tried instances: one onRetry per retry sent", async () => {
    // Unchanged: the policy's attempt is the client engine's first, so its pick falls back to a tried instance
    // when none is left untried; every retry it announces is sent.
    const policy = createRetryPolicy({ maxAttempts: 5, retryOnStatus: [503], backoff: "none" });
    const announced: number[] = [];
    policy.onRetry((event) => announced.push(event.attempt));
    const why: string[] = [];
    policy.onGiveUp((event) => why.push(event.why));
    shedding.reset();
    expect(await callOnce(transport, {}, policy)).toBe(503);
    expect({ sent: sent(), announced, why }).toEqual({ sent: 5, announced: [1, 2, 3, 4], why: ["attempts"] });
  });
});
