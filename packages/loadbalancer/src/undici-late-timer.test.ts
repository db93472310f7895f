// A per-try timeout or deadline that the client's own stall (a GC pause, a busy or descheduled process) makes run
// late must not fail an answer that arrived in time: Node runs due timers before it reads the sockets, so without
// care the timer wins, the attempt is aborted with its connection and retried on a new one — more work while the
// process is already behind (the SDK's tail at 1 000/s in the sidecar bench; packages/loadbalancer/bench/gc.ts).
// Rule: groupon/gofer#71 "Fire IO timeouts after IO" and sindresorhus/got#525 (timeouts deferred past the poll
// phase that follows the timer). The instance runs in another process, so it answers while this one is stalled.
import { type ChildProcess, spawn } from "node:child_process";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

/**
 * Answers after 40 ms: within the client's timeouts, but during the client's stall. Says "got" on stdout when a
 * request arrives (the http adapter publishes nothing as it writes, so the client stalls once it hears that).
 */
const SERVER = `require("node:http").createServer((q, s) => { console.log("got"); setTimeout(() => s.end("ok"), 40) })
  .listen(0, "127.0.0.1", function () { console.log(this.address().port) })`;

let child: ChildProcess;
let upstream: ServiceInstance;
beforeAll(async () => {
  child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  upstream = { id: "a", service: "svc", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} };
});
afterAll(() => {
  child.kill();
});

/** Blocks this thread for `ms`, as a long GC pause or a descheduled process does. */
const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe("lb dispatcher timeouts after a stall of the client's own event loop", () => {
  it.each([
    { name: "per-try timeout", settings: { perTryTimeoutMs: 100 } },
    { name: "deadline", settings: { deadlineMs: 100 } },
  ])("$name: an answer received during the stall is delivered, not timed out and retried", async ({ settings }) => {
    const balancer = createBalancer({ instancer: new FixedInstancer([upstream]) });
    const dispatcher = createLbDispatcher({ balancer: () => balancer, retry: false, ...settings });
    try {
      await (await dispatcher.request({ origin: "lb://svc", path: "/", method: "GET" })).body.text();
      // Stall once the request is on the wire (undici publishes sendHeaders as it writes it), before the answer
      // (40 ms) and the timeout (100 ms) are due.
      const sent = new Promise<void>((resolve) => {
        const on = () => {
          unsubscribe("undici:client:sendHeaders", on);
          resolve();
        };
        subscribe("undici:client:sendHeaders", on);
      });
      const answer = dispatcher.request({ origin: "lb://svc", path: "/", method: "GET" });
      await sent;
      // The next check phase: the write's nextTicks (undici's uncork) have run, the answer is not due yet.
      await new Promise((resolve) => setImmediate(resolve));
      stall(1_500);
      const response = await answer;
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe("ok");
    } finally {
      await dispatcher.close();
      balancer.close();
    }
  });

  it("a per-try timeout still fails an attempt that gets no answer (the stall only delays the check)", async () => {
    const silent = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer(() => {}).listen(0, "127.0.0.1", function () { console.log(this.address().port) })`,
    ]);
    try {
      const [line] = (await once(silent.stdout, "data")) as [Buffer];
      const hang = { ...upstream, id: "hang", port: Number(line.toString().trim()) };
      const balancer = createBalancer({ instancer: new FixedInstancer([hang]) });
      const dispatcher = createLbDispatcher({ balancer: () => balancer, retry: false, perTryTimeoutMs: 30 });
      const answer = dispatcher.request({ origin: "lb://svc", path: "/", method: "GET" });
      await expect(answer).rejects.toMatchObject({ code: "LB_ATTEMPT_TIMEOUT" });
      await dispatcher.destroy();
      balancer.close();
    } finally {
      silent.kill();
    }
  });
});

describe("lb-axios on axios' http adapter after a stall of the client's own event loop (the same rule)", () => {
  it.each([
    { name: "per-try timeout", settings: { perTryTimeoutMs: 500 } },
    { name: "deadline", settings: { deadlineMs: 500 } },
  ])("$name: an answer received during the stall is delivered, not timed out", async ({ settings }) => {
    const balancer = createBalancer({ instancer: new FixedInstancer([upstream]) });
    const client = createLbAxios({ balancer: () => balancer, transport: "http", retry: false, ...settings });
    try {
      const arrived = once(child.stdout as NodeJS.ReadableStream, "data");
      const answer = client.get("lb://svc/", { responseType: "text" });
      // The instance has the request: it answers 40 ms from now, while this process is stalled past the timeout.
      await arrived;
      stall(1_500);
      const response = await answer;
      expect(response.status).toBe(200);
      expect(response.data).toBe("ok");
    } finally {
      balancer.close();
    }
  });
});
