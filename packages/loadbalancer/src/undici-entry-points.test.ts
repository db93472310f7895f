// `lb://` services from each way undici is used — `undici.request`, `undici.fetch`, and Node's own global `fetch`
// (its bundled undici, through setGlobalDispatcher or the `dispatcher` option) — against real loopback instances:
// a refused connection retried elsewhere, the per-try timeout, ejection, a policy's retry of a 503, the deadline.
// Conformance sources: nodejs/undici lib/global.js (the global dispatcher's symbol, read by Node's fetch),
// lib/web/fetch/index.js (fetch rejects with TypeError "fetch failed" carrying the dispatcher's error as `cause`),
// envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc (consecutive_5xx: 5).
import { createRetryPolicy } from "@outrigger/resilience";
import { getGlobalDispatcher, setGlobalDispatcher, fetch as undiciFetch, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LbError } from "./errors.js";
import type { Balancer } from "./pick.js";
import { type Behaviour, startInstances } from "./seam/seam-fixture.js";
import { createLbDispatcher, type LbDispatcher } from "./undici-dispatcher.js";
import type { LbDispatcherOptions } from "./undici-dispatcher-options.js";

let fixture: Awaited<ReturnType<typeof startInstances>>;
beforeAll(async () => {
  fixture = await startInstances(["ok", "refuse", "hang", "503"]);
});
afterAll(() => fixture.close());

/** What one entry point gives back: status and parsed body, or the dispatcher's error (unwrapped from fetch's). */
type Answer = { status: number; body: { from?: string } } | { error: { code?: string } };

/** One way to send through the lb dispatcher. */
interface EntryPoint {
  readonly name: string;
  send(dispatcher: LbDispatcher, path: string): Promise<{ status: number; body: { from?: string } }>;
}

const entryPoints: readonly EntryPoint[] = [
  {
    name: "undici.request",
    send: async (dispatcher, path) => {
      const answer = await undiciRequest(`http://svc${path}`, { dispatcher });
      return { status: answer.statusCode, body: (await answer.body.json()) as { from?: string } };
    },
  },
  {
    name: "undici.fetch",
    send: async (dispatcher, path) => {
      const response = await undiciFetch(`http://svc${path}`, { dispatcher });
      return { status: response.status, body: (await response.json()) as { from?: string } };
    },
  },
  {
    name: "global fetch, setGlobalDispatcher",
    send: async (dispatcher, path) => {
      const previous = getGlobalDispatcher();
      setGlobalDispatcher(dispatcher);
      try {
        const response = await fetch(`http://svc${path}`);
        return { status: response.status, body: (await response.json()) as { from?: string } };
      } finally {
        setGlobalDispatcher(previous);
      }
    },
  },
  {
    name: "global fetch, dispatcher option",
    send: async (dispatcher, path) => {
      const response = await fetch(`http://svc${path}`, { dispatcher } as RequestInit);
      return { status: response.status, body: (await response.json()) as { from?: string } };
    },
  },
];

const settle = (promise: Promise<{ status: number; body: { from?: string } }>): Promise<Answer> =>
  promise.then(
    (answer) => answer,
    (error: { cause?: { code?: string }; code?: string }) => ({ error: error.code ? error : (error.cause ?? {}) }),
  );

const over = (ids: readonly Behaviour[], extra: Omit<LbDispatcherOptions, "balancer"> = {}) => {
  const balancer = fixture.balancer(ids);
  const dispatcher = createLbDispatcher({ balancer: (s) => (s === "svc" ? balancer : undefined), ...extra });
  return { balancer, dispatcher };
};

describe.each(entryPoints)("lb:// from $name", (entry) => {
  it("retries a refused connection on the other instance", async () => {
    const { dispatcher } = over(["refuse", "ok"]);
    for (let i = 0; i < 4; i++) {
      expect(await settle(entry.send(dispatcher, "/a"))).toMatchObject({ status: 200, body: { from: "ok" } });
    }
    await dispatcher.close();
  });

  it("cancels an attempt at the per-try timeout, blames that instance and answers from the other", async () => {
    fixture.reset();
    const { balancer, dispatcher } = over(["hang", "ok"], { perTryTimeoutMs: 150 });
    const started = performance.now();
    expect(await settle(entry.send(dispatcher, "/slow"))).toMatchObject({ status: 200, body: { from: "ok" } });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(fixture.get("hang").received).toBe(1);
    expect(balancer.stats("hang")?.consecutiveFailures).toBe(1);
    await dispatcher.close();
  });

  it("ejects an instance answering 503 after Envoy's 5 in a row; it gets nothing more", async () => {
    fixture.reset();
    const { balancer, dispatcher } = over(["503", "ok"]);
    const ejected: string[] = [];
    balancer.onEjection((event) => ejected.push(event.instance.id));
    for (let i = 0; i < 12; i++) {
      expect(await settle(entry.send(dispatcher, "/a"))).toMatchObject({ status: 200, body: { from: "ok" } });
    }
    expect(ejected).toEqual(["503"]);
    expect(fixture.get("503").received).toBe(5);
    await dispatcher.close();
  });

  it("lets a resilience retry policy retry a 503 on the other instance (the 503 is held back for it)", async () => {
    fixture.reset();
    const { dispatcher } = over(["503", "ok"], {
      policy: createRetryPolicy({ maxAttempts: 3, backoff: "none" }),
      retry: false,
    });
    for (let i = 0; i < 4; i++) {
      expect(await settle(entry.send(dispatcher, "/a"))).toMatchObject({ status: 200, body: { from: "ok" } });
    }
    await dispatcher.close();
  });

  it("answers LB_DEADLINE_EXCEEDED at the deadline while the policy waits out a long backoff", async () => {
    const { dispatcher } = over(["503"], {
      policy: createRetryPolicy({ maxAttempts: 5, backoff: "exponential", initialDelayMs: 60_000 }),
      retry: false,
      deadlineMs: 300,
    });
    const started = performance.now();
    // The engine gives up before a backoff that would end past the deadline, so the one instance's 503 is the
    // answer, or — when the 503 came late — the deadline's error; never a wait of a minute.
    const answer = await settle(entry.send(dispatcher, "/a"));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect([503, "LB_DEADLINE_EXCEEDED"]).toContain("status" in answer ? answer.status : answer.error.code);
    await dispatcher.close();
  });
});

describe.each(entryPoints)("lb:// from $name, on a balancer that waits for discovery", (entry) => {
  // @outrigger/node's balancer throws LB_NO_INSTANCES from `pick` until discovery's first answer and waits for it in
  // `acquire`. The dispatcher's synchronous pick must not answer for it (newcomer report: every first call failed).
  it("sends the first call once the instances arrive, not LB_NO_INSTANCES", async () => {
    fixture.reset();
    const inner = fixture.balancer(["ok"]);
    let discovered!: () => void;
    const arrived = new Promise<void>((resolve) => {
      discovered = resolve;
    });
    let seen = false;
    const waiting: Balancer = {
      pick: (options) => {
        if (!seen) throw new LbError("LB_NO_INSTANCES", "no answer from discovery yet");
        return inner.pick(options);
      },
      acquire: async (options) => {
        await arrived;
        seen = true;
        return inner.pick(options);
      },
    };
    const dispatcher = createLbDispatcher({ balancer: (s) => (s === "svc" ? waiting : undefined) });
    const answer = settle(entry.send(dispatcher, "/a"));
    setImmediate(discovered);
    expect(await answer).toMatchObject({ status: 200, body: { from: "ok" } });
    await dispatcher.close();
  });
});
