import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer, type StatefulBalancer } from "./index.js";

// createLbAxios' per-try timeout and deadline run on core's after-I/O timers (packages/core/src/io-timeout.ts).
// Each case here is one a user meets: a stalled loop with the answer already sent, tiny deadlines, many timers at
// once, and a user's own test under vi.useFakeTimers().

let server: Server | undefined;
let balancer: StatefulBalancer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  balancer?.close();
  balancer = undefined;
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** Blocks this thread for `ms` (a GC pause, a busy handler, a descheduled process). */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

async function serve(
  handler: (res: import("node:http").ServerResponse) => void,
  options: Omit<Parameters<typeof createBalancer>[0], "instancer"> = {},
) {
  server = createServer((_req, res) => handler(res));
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  balancer = createBalancer({
    instancer: new FixedInstancer([
      { id: "a", service: "hello", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} },
    ]),
    ...options,
  });
  const b = balancer;
  return b;
}

describe("createLbAxios' after-I/O timeouts, against a hostile loop", () => {
  for (const transport of ["http", "undici"] as const) {
    it(`${transport}: the loop blocked 700 ms with the answer already sent — the answer wins over a 250 ms per-try timeout and a 500 ms deadline`, async () => {
      const b = await serve((res) => {
        res.end("hello");
        block(700); // the answer is in the client's socket buffer; every client timer is now late
      });
      // The answer must be sent before the per-try timer is due, or LB_ATTEMPT_TIMEOUT is right: this handler ran
      // 3–27 ms after the pick beside two busy loops, and later on a busier machine (a 50 ms per-try timeout failed
      // 1 run in 20 there); 250 ms leaves room, and the stall still outlasts both timers.
      const http = createLbAxios({ balancer: () => b, perTryTimeoutMs: 250, deadlineMs: 500, transport });
      const { data } = await http.get("lb://hello/x");
      expect(data).toBe("hello");
      await http.close();
    });
  }

  it("a deadline of 1 ms on a server that never answers ends in LB_DEADLINE_EXCEEDED or LB_ATTEMPT_TIMEOUT, quickly", async () => {
    const b = await serve(() => {});
    const http = createLbAxios({ balancer: () => b, deadlineMs: 1, perTryTimeoutMs: 1 });
    const started = performance.now();
    const error = (await http.get("lb://hello/x").catch((e: unknown) => e)) as { code?: string };
    expect(["LB_DEADLINE_EXCEEDED", "LB_ATTEMPT_TIMEOUT"]).toContain(error.code);
    expect(performance.now() - started).toBeLessThan(2_000);
    await http.close();
  });

  it("a deadline of 0 ms is refused with LB_INVALID_OPTION (or ends at once with a stable code), never hangs", async () => {
    const b = await serve(() => {});
    let error: { code?: string } | undefined;
    try {
      const http = createLbAxios({ balancer: () => b, deadlineMs: 0 });
      error = await http.get("lb://hello/x").then(
        () => ({ code: "resolved" }),
        (e: unknown) => e as { code?: string },
      );
      await http.close();
    } catch (e) {
      error = e as { code?: string };
    }
    expect(["LB_INVALID_OPTION", "LB_DEADLINE_EXCEEDED", "LB_ATTEMPT_TIMEOUT"]).toContain(error?.code);
  });

  it("200 requests at once, all answered, then the loop blocked past every per-try timer: none times out", async () => {
    // The server holds every answer until all 200 requests arrived, sends them all, then stalls the loop 1.2 s:
    // 200 per-try timers (1 s) are late together with 200 answers in the socket buffers.
    const held: import("node:http").ServerResponse[] = [];
    const b = await serve((res) => {
      held.push(res);
      if (held.length < 200) return;
      for (const r of held) r.end("ok");
      block(1_200);
    });
    const http = createLbAxios({ balancer: () => b, perTryTimeoutMs: 1_000, transport: "http" });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => http.get("lb://hello/x")));
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed.map((r) => (r as PromiseRejectedResult).reason?.code).slice(0, 3)).toEqual([]);
    await http.close();
  });

  it("a queued request (queueTimeoutMs 250) whose slot is freed by an answer already sent when the loop stalls 400 ms gets the slot, not LB_QUEUE_TIMEOUT", async () => {
    let first = true;
    const b = await serve(
      (res) => {
        if (!first) return void res.end("second");
        first = false;
        // The first answer is sent, then the loop stalls past the queue timeout: the second request's queue timer
        // is late beside it. The answer must go out before that timer is due, or LB_QUEUE_TIMEOUT is right: with a
        // 50 ms timeout and a 200 ms stall it failed 4 runs in 20 beside busy loops and other tests (this handler
        // ran up to 28 ms after the requests were sent, plus the 20 ms below); 250 ms leaves room, and a stall
        // longer than it still makes the timer late.
        setTimeout(() => {
          res.end("first");
          block(400);
        }, 20);
      },
      { maxInFlightPerInstance: 1, queueTimeoutMs: 250 },
    );
    const http = createLbAxios({ balancer: () => b, transport: "http" });
    const one = http.get("lb://hello/1");
    const two = http.get("lb://hello/2");
    expect((await one).data).toBe("first");
    expect((await two).data).toBe("second");
    await http.close();
  });

  it("a user's own test under vi.useFakeTimers(): a request to a loopback server still resolves", async () => {
    const b = await serve((res) => res.end("hello"));
    vi.useFakeTimers();
    const http = createLbAxios({ balancer: () => b, perTryTimeoutMs: 500, deadlineMs: 2_000 });
    const { data } = await http.get("lb://hello/x");
    expect(data).toBe("hello");
    vi.useRealTimers();
    await http.close();
  });

  it("a user's own test under vi.useFakeTimers(): the per-try timeout fires when the user advances the clock", async () => {
    const b = await serve(() => {});
    vi.useFakeTimers();
    const http = createLbAxios({ balancer: () => b, perTryTimeoutMs: 500 });
    const outcome = http.get("lb://hello/x").catch((e: unknown) => e as { code?: string });
    await vi.advanceTimersByTimeAsync(600);
    vi.useRealTimers();
    const settled = await Promise.race([outcome, new Promise((r) => setTimeout(() => r("still pending"), 1_000))]);
    expect((settled as { code?: string }).code).toBe("LB_ATTEMPT_TIMEOUT");
    await http.close();
  });
});
