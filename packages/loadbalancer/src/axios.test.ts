import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { createRetryPolicy } from "@outrigger/resilience";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { Outcome } from "./outcome.js";
import type { Balancer } from "./pick.js";
import { RoundRobinRule } from "./round-robin.js";
import { deadPort, instance, namedServer } from "./test-support.js";

describe("createLbAxios against real HTTP servers", () => {
  const servers: Server[] = [];
  let alivePort = 0;
  let otherPort = 0;
  let refusedPort = 0;
  beforeAll(async () => {
    const a = await namedServer("alive");
    const b = await namedServer("other");
    servers.push(a.server, b.server);
    alivePort = a.port;
    otherPort = b.port;
    refusedPort = await deadPort();
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  /** A balancer whose picks are recorded along with what each attempt reported back. */
  function recording(instances = [instance("alive", "UP", alivePort), instance("other", "UP", otherPort)]) {
    const inner = createBalancer({
      instancer: new FixedInstancer(instances),
      rule: new RoundRobinRule({ random: () => 0 }),
    });
    const outcomes: Array<[string, Outcome]> = [];
    const balancer: Balancer = {
      pick(options) {
        const pick = inner.pick(options);
        return { instance: pick.instance, done: (outcome) => outcomes.push([pick.instance.id, outcome]) };
      },
    };
    return { balancer, outcomes };
  }

  it("sends lb://service/path to picked instances, in turn, keeping path and query", async () => {
    const { balancer, outcomes } = recording();
    const http = createLbAxios({ balancer: (s) => (s === "svc" ? balancer : undefined) });
    const first = await http.get("lb://svc/a/b?x=1");
    const second = await http.get("lb://svc/");
    expect(first.data).toEqual({ from: "alive", path: "/a/b?x=1" });
    expect(second.data.from).toBe("other");
    expect(outcomes.map(([id, o]) => [id, o.kind, o.kind === "success" && o.status])).toEqual([
      ["alive", "success", 200],
      ["other", "success", 200],
    ]);
    expect(outcomes.every(([, o]) => o.kind === "success" && o.rttMs >= 0)).toBe(true);
  });

  it("retries a refused connection on an instance not yet tried", async () => {
    const { balancer, outcomes } = recording([instance("dead", "UP", refusedPort), instance("alive", "UP", alivePort)]);
    const http = createLbAxios({
      balancer: () => balancer,
      policy: createRetryPolicy({ maxAttempts: 2, initialDelayMs: 0 }),
    });
    for (let i = 0; i < 4; i++) expect((await http.get("lb://svc/")).data.from).toBe("alive");
    const dead = outcomes.filter(([id]) => id === "dead");
    expect(dead.length).toBeGreaterThan(0);
    expect(dead.every(([, o]) => o.kind === "failure" && o.reason === "connect")).toBe(true);
  });

  it("fails a refused connection without a retry policy, and names unknown services", async () => {
    const { balancer } = recording([instance("dead", "UP", refusedPort)]);
    const http = createLbAxios({ balancer: (s) => (s === "svc" ? balancer : undefined) });
    await expect(http.get("lb://svc/")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(http.get("lb://nope/")).rejects.toMatchObject({ code: "LB_UNKNOWN_SERVICE" });
  });

  it("keeps each request's abort listeners on its own signal, so many in flight trip no MaxListeners warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const { balancer } = recording();
      const http = createLbAxios({ balancer: () => balancer, policy: createRetryPolicy({ maxAttempts: 2 }) });
      const answers = await Promise.all(Array.from({ length: 30 }, () => http.get("lb://svc/")));
      expect(answers).toHaveLength(30);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("takes a policy per service, so one axios instance serves several services with their own pipelines", async () => {
    const dead = recording([instance("dead", "UP", refusedPort), instance("alive", "UP", alivePort)]);
    const lone = recording([instance("dead", "UP", refusedPort)]);
    const retrying = createRetryPolicy({ maxAttempts: 2, initialDelayMs: 0 });
    const http = createLbAxios({
      balancer: (s) => (s === "orders" ? dead.balancer : lone.balancer),
      policy: (s) => (s === "orders" ? retrying : undefined),
    });
    for (let i = 0; i < 3; i++) expect((await http.get("lb://orders/")).data.from).toBe("alive");
    expect(dead.outcomes.some(([id]) => id === "dead")).toBe(true);
    // "billing" has no policy and one (dead) instance: its refused connection reaches the caller.
    await expect(http.get("lb://billing/")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("passes ordinary URLs through untouched", async () => {
    const http = createLbAxios({ balancer: () => undefined });
    expect((await http.get(`http://127.0.0.1:${otherPort}/plain`)).data).toEqual({ from: "other", path: "/plain" });
  });
});
