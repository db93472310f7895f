// A caller's cancellation says nothing about the dependency (diegosouzapw/OmniRoute#7907: custom abort reasons
// opened a healthy provider's breaker; apache/brpc#3532: a cancelled half-open trial reopened the circuit).
import { describeCall } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { createTimeoutPolicy } from "./timeout.js";

const breaker = () => createCircuitBreaker({ mode: { kind: "consecutive", threshold: 2 }, halfOpenAfterMs: 60_000 });

/** A call that fails with its signal's reason once the signal aborts (as fetch and undici.request do). */
const cancellable = ({ signal }: { signal: AbortSignal }) =>
  new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

describe("a circuit breaker does not count the caller's cancellations", () => {
  it("a failure with the caller's own abort reason (a custom Error) is neutral", async () => {
    const circuit = breaker();
    let opened = 0;
    circuit.onBreak(() => opened++);
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const call = circuit.execute(cancellable, controller.signal);
      controller.abort(new Error("client disconnected"));
      await expect(call).rejects.toThrow("client disconnected");
    }
    expect(opened).toBe(0);
  });

  it("axios' CanceledError and a transport's cancelled() are neutral; a plain failure still counts", async () => {
    const circuit = breaker();
    let opened = 0;
    circuit.onBreak(() => opened++);
    const canceled = Object.assign(new Error("canceled"), { name: "CanceledError" });
    for (let i = 0; i < 3; i++) await expect(circuit.execute(() => Promise.reject(canceled))).rejects.toBe(canceled);
    const gone = describeCall({ method: "GET", cancelled: () => true });
    for (let i = 0; i < 3; i++) {
      await expect(
        circuit.execute(() => Promise.reject(new Error("socket hang up")), undefined, gone),
      ).rejects.toThrow();
    }
    expect(opened).toBe(0);
    for (let i = 0; i < 2; i++)
      await expect(circuit.execute(() => Promise.reject(new Error("boom")))).rejects.toThrow();
    expect(opened).toBe(1);
  });

  it("composed with another policy (a guard there), the caller's own abort reason is still neutral", async () => {
    // In a composition the circuit runs as a guard (guard.ts), which recorded the outcome without the signal: a
    // custom abort reason counted as the dependency's failure, and two of them opened the circuit.
    for (const order of ["circuit inside", "circuit outside"] as const) {
      const circuit = breaker();
      let opened = 0;
      circuit.onBreak(() => opened++);
      const timeout = createTimeoutPolicy({ ms: 60_000 });
      const guarded =
        order === "circuit inside" ? composePolicies(timeout, circuit) : composePolicies(circuit, timeout);
      for (let i = 0; i < 3; i++) {
        const controller = new AbortController();
        const call = guarded.execute(cancellable, controller.signal);
        controller.abort(new Error("client disconnected"));
        await expect(call).rejects.toThrow("client disconnected");
      }
      for (let i = 0; i < 2; i++)
        await expect(guarded.execute(() => Promise.reject(new Error("boom")))).rejects.toThrow();
      expect([order, opened]).toEqual([order, 1]);
    }
  });

  it("an outer timeout's abort is not the caller's: the timed-out calls still open the circuit", async () => {
    const circuit = breaker();
    let opened = 0;
    circuit.onBreak(() => opened++);
    const guarded = composePolicies(createTimeoutPolicy({ ms: 5 }), circuit);
    for (let i = 0; i < 2; i++) {
      await expect(guarded.execute(cancellable)).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    }
    expect(opened).toBe(1);
  });
});
