// No leaks on Node 20: no AbortSignal.any on the request path (nodejs/node#55351: a long-lived source signal keeps
// every signal made from it), no listener left on the caller's signal, and bad options refused up front.
import { getEventListeners } from "node:events";
import {
  composePolicies,
  createBulkheadPolicy,
  createCircuitBreaker,
  createRetryPolicy,
  createTimeoutPolicy,
} from "@outrigger/resilience";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLbAxios } from "../axios.js";
import { startInstances } from "./seam-fixture.js";

let fleet: Awaited<ReturnType<typeof startInstances>>;
beforeAll(async () => {
  fleet = await startInstances(["ok", "refuse", "503"]);
});
afterAll(() => fleet.close());

/**
 * No instance here hangs, so no timeout is meant to fire: the timeouts are armed (their listeners and timer
 * entries are what must not leak) with a bound a loaded machine never reaches. With 1–2 s bounds, 40 requests in
 * flight on a busy 2-core machine made the healthy attempt time out ~1 run in 3 ("status code 503").
 */
const TIMEOUT_NEVER_DUE_MS = 60_000;

/** The full policy of the loadbalancer README: retry, breaker, bulkhead, per-try timeout. */
const fullPolicy = () =>
  composePolicies(
    createRetryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 }),
    createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1_000 }, halfOpenAfterMs: 1_000 }),
    createBulkheadPolicy({ maxConcurrent: 64, maxQueue: 64 }),
    createTimeoutPolicy({ ms: TIMEOUT_NEVER_DUE_MS }),
  );

describe("createLbAxios with a full policy and one long-lived caller signal", () => {
  it("never calls AbortSignal.any, warns of no MaxListeners with 40 in flight, leaves 0 listeners after 400 requests", async () => {
    const any = vi.spyOn(AbortSignal, "any");
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const http = createLbAxios({
        balancer: () => fleet.balancer(["refuse", "503", "ok"]),
        policy: fullPolicy(),
        perTryTimeoutMs: TIMEOUT_NEVER_DUE_MS,
        deadlineMs: 2 * TIMEOUT_NEVER_DUE_MS,
      });
      const caller = new AbortController();
      for (let i = 0; i < 10; i++) {
        const batch = Array.from({ length: 40 }, () =>
          http.get("lb://svc/x", { signal: caller.signal }).then((r) => r.data.from),
        );
        expect(await Promise.all(batch)).toEqual(Array(40).fill("ok"));
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
      expect(any).not.toHaveBeenCalled();
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      any.mockRestore();
      process.off("warning", onWarning);
    }
  });
});

describe("createLbAxios options", () => {
  it.each([
    ["perTryTimeoutMs -1", { perTryTimeoutMs: -1 }],
    ["perTryTimeoutMs NaN", { perTryTimeoutMs: Number.NaN }],
    ["perTryTimeoutMs over 2^31-1", { perTryTimeoutMs: 2 ** 31 }],
    ["deadlineMs Infinity", { deadlineMs: Number.POSITIVE_INFINITY }],
    ["retry.maxAttempts -1", { retry: { maxAttempts: -1 } }],
    ["retry.initialDelayMs NaN", { retry: { initialDelayMs: Number.NaN } }],
    ["retry.maxRetryAfterMs -1", { retry: { maxRetryAfterMs: -1 } }],
  ])("refuses %s with LB_INVALID_OPTION", (_name, options) => {
    expect(() => createLbAxios({ balancer: () => undefined, ...options })).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION" }),
    );
  });
});
