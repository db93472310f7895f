import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { RetryMessage } from "./channels.js";
import { RoundRobinRule } from "./round-robin.js";
import { answerName, deadPort, instance, namedServer } from "./test-support.js";

describe("createLbAxios retries, timeouts and deadlines against real HTTP servers", () => {
  const servers: Server[] = [];
  const port: Record<string, number> = {};
  /** Requests the silent server received that were then cancelled by the client. */
  const cancelled: string[] = [];
  let cancelledWaiter: (() => unknown) | undefined;
  /** Requests the silent server received (so a test cancels only once its request arrived). */
  const received: string[] = [];
  let receivedWaiter: (() => unknown) | undefined;

  beforeAll(async () => {
    const start = async (name: string, handler?: Parameters<typeof namedServer>[1]) => {
      const s = await namedServer(name, handler);
      servers.push(s.server);
      port[name] = s.port;
    };
    await start("ok");
    await start("ok2");
    await start("busy", (q, r) => answerName("busy", q, r, 503));
    // Never answers; records each request the client cancels (the socket closes under it).
    await start("silent", (request: IncomingMessage) => {
      received.push(request.url ?? "");
      receivedWaiter?.();
      request.socket.once("close", () => {
        cancelled.push(request.url ?? "");
        cancelledWaiter?.();
      });
    });
    port.dead = await deadPort();
  });
  afterAll(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const client = (ids: string[], options: Omit<Parameters<typeof createLbAxios>[0], "balancer"> = {}) => {
    const balancer = createBalancer({
      instancer: new FixedInstancer(ids.map((id) => instance(id, "UP", port[id]))),
      rule: new RoundRobinRule({ random: () => 0 }),
    });
    return { http: createLbAxios({ balancer: () => balancer, ...options }), balancer };
  };
  /** Resolves once the silent server has seen the request for `path` cancelled. */
  const cancelOf = (path: string) =>
    new Promise<void>((resolve) => {
      cancelledWaiter = () => cancelled.includes(path) && resolve();
      cancelledWaiter();
    });

  it("retries a refused connection on the next instance without any policy, for POST too", async () => {
    const retries: RetryMessage[] = [];
    const listen = (m: unknown) => retries.push(m as RetryMessage);
    subscribe("outrigger:lb:retry", listen);
    try {
      const { http } = client(["dead", "ok"]);
      expect((await http.post("lb://svc/x", { a: 1 })).data.from).toBe("ok");
      expect(retries).toEqual([{ service: "svc", attempt: 2, reason: "connect" }]);
    } finally {
      unsubscribe("outrigger:lb:retry", listen);
    }
  });

  it("retries a 503 for GET on an untried instance, but not for POST", async () => {
    const { http, balancer } = client(["busy", "ok"]);
    expect((await http.get("lb://svc/")).data.from).toBe("ok");
    expect(balancer.stats("busy")?.consecutiveFailures).toBe(1);
    await expect(client(["busy", "ok"]).http.post("lb://svc/", {})).rejects.toMatchObject({
      response: { status: 503 },
    });
    const anyMethod = client(["busy", "ok"], { retry: { retryNonIdempotent: true } });
    expect((await anyMethod.http.post("lb://svc/", {})).data.from).toBe("ok");
  });

  it("never retries on the instance that just failed; returns the last answer when all are tried", async () => {
    const { http } = client(["busy"], { retry: { maxAttempts: 5 }, defaults: { validateStatus: () => true } });
    const response = await http.get("lb://svc/");
    expect(response.status).toBe(503);
  });

  it("cancels a slow attempt after the per-try timeout and retries it elsewhere", async () => {
    const { http, balancer } = client(["silent", "ok"], { perTryTimeoutMs: 50 });
    const closed = cancelOf("/slow-once");
    expect((await http.get("lb://svc/slow-once")).data.from).toBe("ok");
    await closed; // the server saw the underlying request go away
    expect(balancer.stats("silent")?.consecutiveFailures).toBe(1);
  });

  it("fails a non-idempotent request with LB_ATTEMPT_TIMEOUT instead of resending it", async () => {
    const { http } = client(["silent", "ok"], { perTryTimeoutMs: 50 });
    await expect(http.post("lb://svc/pay", {})).rejects.toMatchObject({ code: "LB_ATTEMPT_TIMEOUT" });
  });

  it("ends the whole request at the deadline with LB_DEADLINE_EXCEEDED, cancelling the request in flight", async () => {
    // Long enough for the request to reach the server on a loaded machine, so the cancel is seen there.
    const { http, balancer } = client(["silent"], { deadlineMs: 400 });
    const closed = cancelOf("/deadline");
    await expect(http.get("lb://svc/deadline")).rejects.toMatchObject({ code: "LB_DEADLINE_EXCEEDED" });
    await closed;
    // A deadline is the caller's limit, not the instance's failure.
    expect(balancer.stats("silent")).toMatchObject({ active: 0, consecutiveFailures: 0 });
  });

  it("lets the caller cancel with its own AbortSignal", async () => {
    const { http } = client(["silent"]);
    const controller = new AbortController();
    const closed = cancelOf("/mine");
    const request = http.get("lb://svc/mine", { signal: controller.signal });
    // Cancel once the server has the request (a fixed delay raced the send on a loaded machine).
    await new Promise<void>((resolve) => {
      receivedWaiter = () => received.includes("/mine") && resolve();
      receivedWaiter();
    });
    controller.abort();
    await expect(request).rejects.toMatchObject({ code: "ERR_CANCELED" });
    await closed;
  });
});
