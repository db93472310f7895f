// silas/node-consul#155: the `consul` package ends its watch after a 400 or an answer without X-Consul-Index, and
// the service list froze until the process restarted. Consul's own watch (`api/watch/plan.go`) backs off and
// retries every error; only Stop() ends it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";

const healthy = JSON.stringify([
  {
    Node: { Node: "n1", Address: "127.0.0.1" },
    Service: { ID: "api-1", Service: "api", Address: "127.0.0.1", Port: 9000, Tags: [] },
    Checks: [],
  },
]);

type Answer = { status: number; index?: string; body: string };

let server: Server | undefined;
let instancer: ConsulInstancer | undefined;
afterEach(async () => {
  instancer?.close();
  instancer = undefined;
  const open = server;
  server = undefined;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

/** An agent that gives `first` answers in turn, then holds a blocking query (index 7) until its wait ends. */
async function agentAnswering(first: readonly Answer[]) {
  let queries = 0;
  const agent = createServer((request, response) => {
    const answer = first[queries++];
    if (!answer) {
      if (new URL(request.url ?? "/", "http://x").searchParams.get("index") === "7") return; // held; closed after
      response.writeHead(200, { "content-type": "application/json", "x-consul-index": "7" });
      return response.end(healthy);
    }
    response.writeHead(answer.status, {
      "content-type": "application/json",
      ...(answer.index === undefined ? {} : { "x-consul-index": answer.index }),
    });
    response.end(answer.body);
  });
  server = agent;
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  return { port: (agent.address() as AddressInfo).port, queries: () => queries };
}

/** The first error, then the first non-empty snapshot; fails the test instead of waiting forever. */
async function errorThenInstances(watcher: ConsulInstancer) {
  const error = new Promise<Error>((resolve) => watcher.onError(resolve));
  const instances = new Promise<string[]>((resolve) =>
    watcher.onChange((s) => {
      if (s.instances.length > 0) resolve(s.instances.map((i) => i.id));
    }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no instances 5 s after the error: the watch stopped")), 5_000);
  });
  try {
    return { error: await error, ids: await Promise.race([instances, stuck]) };
  } finally {
    clearTimeout(timer);
  }
}

const watch = (port: number) =>
  new ConsulInstancer({
    consul: { host: "127.0.0.1", port },
    service: "api",
    minQueryIntervalMs: 0,
    backoffFactorMs: 10,
    backoffMaxMs: 50,
  });

describe("ConsulInstancer after an answer the `consul` package ends its watch on", () => {
  it("keeps watching after a 400 (a proxy before the agent) and reports the refusal", async () => {
    const agent = await agentAnswering([{ status: 400, body: "Bad Request" }]);
    instancer = watch(agent.port);
    const { error, ids } = await errorThenInstances(instancer);
    expect(error).toMatchObject({ code: "DISCOVERY_REGISTRY_REJECTED", message: expect.stringContaining("400") });
    expect(ids).toEqual(["api-1"]);
    expect(agent.queries()).toBeGreaterThanOrEqual(2);
  });

  it("keeps watching after answers without X-Consul-Index or with index 0, and says what was wrong", async () => {
    const agent = await agentAnswering([
      { status: 200, body: healthy },
      { status: 200, index: "0", body: healthy },
    ]);
    instancer = watch(agent.port);
    const { error, ids } = await errorThenInstances(instancer);
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE", message: expect.stringContaining("X-Consul-Index") });
    expect(ids).toEqual(["api-1"]);
    expect(agent.queries()).toBeGreaterThanOrEqual(3);
  });

  it("backs off between the watches it starts again: the delays grow, up to backoffMaxMs", async () => {
    const refusals = Array.from({ length: 6 }, () => ({ status: 400, body: "no" }));
    const agent = await agentAnswering(refusals);
    const starts: number[] = [];
    instancer = watch(agent.port);
    instancer.onError(() => starts.push(performance.now()));
    const { ids } = await errorThenInstances(instancer);
    expect(ids).toEqual(["api-1"]);
    expect(starts).toHaveLength(6);
    // 20, 40, 50, 50, 50 ms (factor 10 · 2^n, at most 50): timers never fire early.
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    for (const gap of gaps.slice(2)) expect(gap).toBeGreaterThanOrEqual(49);
  });
});
