import { describe, expect, it } from "vitest";
import { isResilienceError } from "./errors.js";
import { createRetryPolicy } from "./retry.js";
import { isConnectionError } from "./retryable.js";

const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

describe("createRetryPolicy", () => {
  it("makes maxAttempts attempts in all, then gives up with the last error", async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0 });
    let attempts = 0;
    const giveUps: unknown[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    await expect(
      policy.execute(() => {
        attempts += 1;
        throw refused();
      }),
    ).rejects.toThrow("ECONNREFUSED");
    expect(attempts).toBe(3);
    expect(giveUps).toHaveLength(1);
  });

  it("calls the attempt function again on each retry, so a balancer can re-pick", async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0 });
    const hosts = ["dead", "alive"];
    const seen: string[] = [];
    const result = await policy.execute(() => {
      const host = hosts[seen.length] as string;
      seen.push(host);
      if (host === "dead") throw refused();
      return host;
    });
    expect(result).toBe("alive");
    expect(seen).toEqual(["dead", "alive"]);
  });

  it("does not retry errors that are not connection failures by default", async () => {
    const policy = createRetryPolicy({ maxAttempts: 5, initialDelayMs: 0 });
    let attempts = 0;
    await expect(
      policy.execute(() => {
        attempts += 1;
        throw new Error("400 bad request");
      }),
    ).rejects.toThrow("400");
    expect(attempts).toBe(1);
  });

  it("refuses a maxAttempts below one with a typed error", () => {
    for (const maxAttempts of [0, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        createRetryPolicy({ maxAttempts });
      } catch (error) {
        caught = error;
      }
      expect(isResilienceError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe("RESILIENCE_INVALID_OPTION");
    }
  });
});

describe("isConnectionError", () => {
  it("finds connection codes through the cause chain, as fetch and axios wrap them", () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error("x"), { code: "ERR_BAD_REQUEST" }))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});
