// setIoTimeout: a per-call timeout on the rule of groupon/gofer#71 ("Fire IO timeouts after IO", its
// `setIOTimeout`) and sindresorhus/got#117 ("if timeout is 50ms and response was on 48ms, chances are that user will
// get ETIMEDOUT"). Real loopback sockets and a real stall of this thread.
import { once } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { afterIo, setIoTimeout } from "./io-timeout.js";
import { socketPair, stall } from "./test-support.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("setIoTimeout (a timeout that races a network answer)", () => {
  it.each([
    { timer: "setIoTimeout", fired: [] },
    { timer: "setTimeout", fired: ["timeout"] },
  ])(
    "$timer: an answer received during a stall is read before the timeout runs (fired: $fired)",
    async ({ timer, fired }) => {
      const pair = await socketPair();
      try {
        const log: string[] = [];
        let answered = false;
        const onTimeout = () => {
          if (!answered) log.push("timeout");
        };
        let cancel: () => void;
        if (timer === "setIoTimeout") {
          const timeout = setIoTimeout(onTimeout, 20);
          cancel = () => timeout.dispose();
        } else {
          const timeout = setTimeout(onTimeout, 20);
          cancel = () => clearTimeout(timeout);
        }
        const read = once(pair.client, "data").then(() => {
          answered = true;
          cancel();
        });
        pair.server.write("answer");
        stall(500);
        await read;
        await wait(30);
        expect(log).toEqual(fired);
      } finally {
        pair.close();
      }
    },
  );

  it("still runs when nothing answers, once, after its delay", async () => {
    const ran: number[] = [];
    const started = performance.now();
    setIoTimeout(() => ran.push(performance.now() - started), 10);
    await wait(60);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toBeGreaterThanOrEqual(9);
  });

  it("dispose() between the timer and the hop stops it", async () => {
    const ran: string[] = [];
    const timeout = setIoTimeout(() => ran.push("ran"), 5);
    // A timer due at the same time, queued after it: it runs in the same timers phase, before the hop.
    const disposed = new Promise<void>((resolve) =>
      setTimeout(() => {
        timeout.dispose();
        resolve();
      }, 5),
    );
    stall(30); // late: the first timer hops
    await disposed;
    await wait(20);
    expect(ran).toEqual([]);
  });

  it("runs at once, without the hop, when its timer is on time (fake timers keep their order)", () => {
    vi.useFakeTimers();
    try {
      const order: string[] = [];
      setIoTimeout(() => order.push("timeout"), 10);
      vi.advanceTimersByTime(10);
      order.push("after advance");
      expect(order).toEqual(["timeout", "after advance"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("afterIo runs its function in the same turn's check phase, after that turn's I/O callbacks", async () => {
    const pair = await socketPair();
    try {
      const order: string[] = [];
      const read = once(pair.client, "data").then(() => order.push("io"));
      pair.server.write("answer");
      stall(50);
      // From a timer callback: the answer waits in the socket buffer; the hop runs after it is read.
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          afterIo(() => {
            order.push("hop");
            resolve();
          });
        }, 0),
      );
      await read;
      expect(order).toEqual(["io", "hop"]);
    } finally {
      pair.close();
    }
  });
});
