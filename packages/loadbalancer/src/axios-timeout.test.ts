// axios/axios#5238 (a timeout while part of the body was read) and what axios' own `timeout` means for an `lb://`
// call: one timer for the whole call on both transports (axios-retry's default), the caller gets axios' error, and
// the instance is neither blamed nor asked again. Before, on axios' http adapter each attempt ran its own timer and
// the ECONNABORTED it raised was read as a reset: a GET went to another instance — or, with one instance, again to
// the same one on a fresh connection — and the call outlived its `timeout`. Real loopback instances.
import { classifyFailure, markRequestSent } from "@outrigger/core";
import { FixedInstancer } from "@outrigger/discovery";
import { AxiosError } from "axios";
import { describe, expect, it } from "vitest";
import { createLbAxios, type LbAxiosTransport } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { failureReason } from "./outcome.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { fieldInstance, ok } from "./undici-field-fixture.js";

/** Sends the headers and part of the body, then nothing more (the report's "partial response"). */
const partial = async () =>
  fieldInstance((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
    response.write("partial");
  });

function client(ports: number[], transport: LbAxiosTransport) {
  const balancer = createBalancer({
    instancer: new FixedInstancer(ports.map((port, i) => instance(`i${i}`, "UP", port))),
    rule: new RoundRobinRule({ random: () => 0 }),
  });
  return { http: createLbAxios({ balancer: () => balancer, transport }), balancer };
}

const transports: LbAxiosTransport[] = ["undici", "http"];

describe.each(transports)("axios' timeout on the %s transport", (transport) => {
  it("ends the whole call with axios' error; no other instance is asked (axios/axios#5238)", async () => {
    const [stalls, healthy] = await Promise.all([partial(), fieldInstance(ok)]);
    const { http, balancer } = client([stalls.port, healthy.port], transport);
    const failure = await http.get("lb://svc/report", { timeout: 150 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AxiosError);
    expect(failure).toMatchObject({ code: "ECONNABORTED", message: "timeout of 150ms exceeded" });
    expect(stalls.seen.requests).toHaveLength(1);
    expect(healthy.seen.requests).toHaveLength(0);
    // The caller's budget ran out: the instance is not charged with it.
    expect(balancer.stats("i0")?.consecutiveFailures).toBe(0);
    balancer.close();
    await Promise.all([stalls.close(), healthy.close()]);
  });

  it("with one instance, does not send the GET again on a fresh connection", async () => {
    const stalls = await partial();
    const { http, balancer } = client([stalls.port], transport);
    const failure = await http
      .get("lb://svc/report", {
        timeout: 100,
        timeoutErrorMessage: "too slow",
        transitional: { clarifyTimeoutError: true },
      })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ETIMEDOUT", message: "too slow" });
    expect(stalls.seen.requests).toHaveLength(1);
    balancer.close();
    await stalls.close();
  });

  it("leaves a call that answers within its timeout alone, retries included", async () => {
    const [busy, healthy] = await Promise.all([
      fieldInstance((_q, r) => {
        r.statusCode = 503;
        r.end("busy");
      }),
      fieldInstance(ok),
    ]);
    const { http, balancer } = client([busy.port, healthy.port], transport);
    const answer = await http.get("lb://svc/x", { timeout: 5_000 });
    expect(answer.data).toBe("ok");
    expect([busy.seen.requests.length, healthy.seen.requests.length]).toEqual([1, 1]);
    balancer.close();
    await Promise.all([busy.close(), healthy.close()]);
  });
});

describe("reading axios' timeout error", () => {
  it("is a timeout, not a reset: its own ECONNABORTED/ETIMEDOUT wraps nothing; a socket's keeps its cause", () => {
    const own = new AxiosError("timeout of 100ms exceeded", AxiosError.ECONNABORTED);
    const clarified = new AxiosError("timeout of 100ms exceeded", AxiosError.ETIMEDOUT);
    const socket = AxiosError.from(Object.assign(new Error("aborted"), { code: "ECONNABORTED", syscall: "read" }));
    const statuses = new Set([503]);
    expect([classifyFailure(own, statuses), classifyFailure(clarified, statuses)]).toEqual(["timeout", "timeout"]);
    expect([failureReason(own), failureReason(clarified)]).toEqual(["timeout", "timeout"]);
    expect(classifyFailure(socket, statuses)).toBe("maybe-sent");
    expect(failureReason(socket)).toBe("reset");
    // Its connect-phase timer fires before a byte is written: the transport's mark makes it safe to send elsewhere.
    expect(classifyFailure(markRequestSent(new AxiosError("t", AxiosError.ECONNABORTED), false), statuses)).toBe(
      "not-sent",
    );
  });
});
