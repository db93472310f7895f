// A caller's cancellation is not the dependency's failure: a circuit breaker in the lb clients' policy must not
// count it (diegosouzapw/OmniRoute#7907: custom abort reasons opened a provider's breaker; apache/brpc#3532: a
// cancelled half-open trial reopened the circuit). Real loopback instance; `/hang` never answers.
import { createCircuitBreaker } from "@outrigger/resilience";
import { fetch as undiciFetch, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { fieldInstance, lbOver } from "./undici-field-fixture.js";

const breaker = (clock?: { now(): number }) =>
  createCircuitBreaker({
    mode: { kind: "consecutive", threshold: 3 },
    halfOpenAfterMs: 60_000,
    ...(clock && { clock }),
  });

/** An instance where `/hang` waits for ever, `/fail` answers 503 and anything else 200 "ok"; `arrived` resolves each. */
async function hangingInstance() {
  let onArrival: () => void = () => undefined;
  const target = await fieldInstance((request, response) => {
    onArrival();
    if (request.url === "/fail") {
      response.statusCode = 503;
      response.end("busy");
    } else if (request.url !== "/hang") response.end("ok");
  });
  const arrival = () => new Promise<void>((resolve) => (onArrival = resolve));
  return { ...target, arrival };
}

/** Sends with a signal, aborts it with `reason` once the instance has the request; resolves with what was thrown. */
async function cancelOnArrival(
  target: Awaited<ReturnType<typeof hangingInstance>>,
  send: (signal: AbortSignal) => Promise<unknown>,
  reason?: Error,
) {
  const controller = new AbortController();
  const arrived = target.arrival();
  const sent = send(controller.signal).then(
    () => undefined,
    (error: unknown) => error,
  );
  await arrived;
  controller.abort(reason);
  return sent;
}

describe("a breaker around the lb clients does not count the caller's cancellations", () => {
  it("lb dispatcher: three fetch / undici.request calls cancelled with custom reasons leave the circuit closed", async () => {
    const target = await hangingInstance();
    const circuit = breaker();
    let opened = 0;
    circuit.onBreak(() => opened++);
    const lb = lbOver([target.port], { policy: circuit, retry: false });
    const reason = new Error("client disconnected");
    const sends = [
      (signal: AbortSignal) => undiciFetch("http://svc/hang", { dispatcher: lb.dispatcher, signal }),
      (signal: AbortSignal) => undiciRequest("http://svc/hang", { dispatcher: lb.dispatcher, signal }),
      (signal: AbortSignal) => lb.dispatcher.request({ origin: "lb://svc", path: "/hang", method: "GET", signal }),
    ];
    for (const send of sends) expect(await cancelOnArrival(target, send, reason)).toBe(reason);
    expect(opened).toBe(0);
    const answer = await undiciRequest("http://svc/ok", { dispatcher: lb.dispatcher });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "ok"]);
    await lb.close();
    await target.close();
  });

  it("lb axios (both transports): three plain aborts (axios' CanceledError) leave the circuit closed", async () => {
    for (const transport of ["undici", "http"] as const) {
      const target = await hangingInstance();
      const lb = lbOver([target.port]);
      const circuit = breaker();
      let opened = 0;
      circuit.onBreak(() => opened++);
      const http = createLbAxios({ balancer: () => lb.balancer, policy: circuit, retry: false, transport });
      for (let i = 0; i < 3; i++) {
        const error = await cancelOnArrival(target, (signal) => http.get("lb://svc/hang", { signal }));
        expect([transport, (error as Error).name]).toEqual([transport, "CanceledError"]);
      }
      expect([transport, opened]).toEqual([transport, 0]);
      expect((await http.get("lb://svc/ok")).data).toBe("ok");
      await http.close();
      await lb.close();
      await target.close();
    }
  });

  it("a cancelled half-open trial gives its slot back: the circuit stays half-open and the next trial decides", async () => {
    const target = await hangingInstance();
    let now = 0;
    const circuit = breaker({ now: () => now });
    const lb = lbOver([target.port], { policy: circuit, retry: false });
    for (let i = 0; i < 3; i++) {
      const answer = await undiciRequest("http://svc/fail", { dispatcher: lb.dispatcher });
      await answer.body.dump();
    }
    await expect(undiciRequest("http://svc/ok", { dispatcher: lb.dispatcher })).rejects.toMatchObject({
      code: "RESILIENCE_CIRCUIT_OPEN",
    });
    let resets = 0;
    circuit.onReset(() => resets++);
    now += 60_000;
    const send = (signal: AbortSignal) => undiciRequest("http://svc/hang", { dispatcher: lb.dispatcher, signal });
    await cancelOnArrival(target, send, new Error("user navigated away"));
    const trial = await undiciRequest("http://svc/ok", { dispatcher: lb.dispatcher });
    expect([trial.statusCode, await trial.body.text()]).toEqual([200, "ok"]);
    expect(resets).toBe(1); // the trial that was not cancelled closed the circuit
    await lb.close();
    await target.close();
  });
});
