import { createServer, type Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { BalancerOptions } from "./balancer-options.js";
import type { HealthChecker } from "./health-checker.js";
import { RoundRobinRule } from "./round-robin.js";
import type { StatefulBalancer } from "./stateful-balancer.js";
import { answerName, instance, namedServer } from "./test-support.js";

/** A loopback server that can be killed and brought back on the same port; counts the live requests it served. */
class Upstream {
  served = 0;
  server!: Server;
  port = 0;

  constructor(readonly name: string) {}

  async start(): Promise<this> {
    const handler = (request: Parameters<typeof answerName>[1], response: Parameters<typeof answerName>[2]) => {
      if (request.url !== "/health") this.served++;
      answerName(this.name, request, response);
    };
    if (this.port === 0) ({ server: this.server, port: this.port } = await namedServer(this.name, handler));
    else {
      this.server = createServer(handler);
      await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
    }
    return this;
  }

  async kill(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe("active health checking with outlier ejection, against real HTTP servers", () => {
  const upstreams: Upstream[] = [];
  beforeAll(async () => {
    for (const name of ["a", "b", "c"]) upstreams.push(await new Upstream(name).start());
  });
  afterAll(async () => {
    for (const u of upstreams) if (u.server.listening) await u.kill();
  });
  /** The instance the tests kill and bring back. */
  const c = () => upstreams[2] as Upstream;

  let now = 0;
  const setup = (extra: Partial<BalancerOptions>) => {
    const balancer = createBalancer({
      instancer: new FixedInstancer(upstreams.map((u) => instance(u.name, "UP", u.port))),
      rule: new RoundRobinRule({ random: () => 0 }),
      clock: { now: () => now },
      // One refused connection ejects for 10 s (then 20 s): the test moves the balancer's clock, not real time.
      outlierDetection: { consecutive5xx: 1, baseEjectionTimeMs: 10_000, maxEjectionPercent: 100 },
      ...extra,
    });
    const http = createLbAxios({ balancer: () => balancer, retry: { maxAttempts: 3 } });
    return { balancer, http };
  };
  /** Sends `n` requests one after another; returns who answered. */
  const send = async (http: ReturnType<typeof setup>["http"], n: number) => {
    const from: string[] = [];
    for (let i = 0; i < n; i++) from.push((await http.get("lb://svc/work")).data.from);
    return from;
  };
  /** Kills c and sends until the balancer ejects it; every request still succeeds (retried elsewhere). */
  const killAndEject = async (balancer: StatefulBalancer, http: ReturnType<typeof setup>["http"]) => {
    await c().kill();
    const ejected = new Promise((resolve) => balancer.onEjection(resolve));
    const answered = await send(http, 3);
    await ejected;
    expect(answered).not.toContain("c");
  };

  it("without active checks, an ejected dead instance gets a trial request when its ejection ends (the gap)", async () => {
    now = 0;
    const { balancer, http } = setup({});
    await killAndEject(balancer, http);
    const reached: string[] = [];
    balancer.onEjection(({ instance: i }) => reached.push(i.id));
    now += 10_001;
    await send(http, 3);
    expect(reached).toEqual(["c"]); // it was tried (refused) and ejected again
    balancer.close();
    await c().start();
  });

  it("keeps an ejected instance out after its ejection ends while its probes fail; brings it back after healthyThreshold passes", async () => {
    now = 0;
    const { balancer, http } = setup({
      // A long interval: the test drives each probe round with checkNow(), so the counts are exact.
      healthCheck: { intervalMs: 3_600_000, jitterMs: 0, unhealthyThreshold: 3, healthyThreshold: 2 },
    });
    const checker = balancer.healthChecker as HealthChecker;
    await checker.checkNow();
    const ejections: string[] = [];
    balancer.onEjection(({ instance: i }) => ejections.push(i.id));

    await killAndEject(balancer, http);
    await checker.checkNow(); // one failed probe: below unhealthyThreshold, but enough to hold an ejected host
    expect(checker.isHealthy("c")).toBe(true);
    now += 60_000; // far past the ejection
    const servedBefore = c().served;
    expect(new Set(await send(http, 12))).toEqual(new Set(["a", "b"]));
    expect(ejections).toEqual(["c"]); // no trial request was refused and ejected again

    await c().start();
    await checker.checkNow(); // 1 of 2 passes: still out
    expect(await send(http, 6)).not.toContain("c");
    expect(c().served).toBe(servedBefore);
    await checker.checkNow(); // 2 of 2: back
    expect(await send(http, 6)).toContain("c");
    balancer.close();
  });

  it("un-ejects an instance whose probes pass healthyThreshold times before its ejection time ends", async () => {
    now = 0;
    const { balancer, http } = setup({ healthCheck: { intervalMs: 3_600_000, jitterMs: 0, healthyThreshold: 2 } });
    const checker = balancer.healthChecker as HealthChecker;
    await checker.checkNow();
    await killAndEject(balancer, http);
    expect(balancer.stats("c")?.ejected).toBe(true);
    await c().start(); // back at once, e.g. a restart
    await checker.checkNow();
    await checker.checkNow();
    expect(balancer.stats("c")?.ejected).toBe(false);
    expect(await send(http, 6)).toContain("c");
    balancer.close();
  });

  it("sends no live request to an instance its scheduled checks marked down, even after its ejection expires", async () => {
    now = 0;
    const { balancer, http } = setup({
      healthCheck: { intervalMs: 10, jitterMs: 5, unhealthyThreshold: 2, healthyThreshold: 2 },
    });
    const down = new Promise((resolve) => balancer.onUnhealthy(({ instance: i }) => i.id === "c" && resolve(i)));
    await c().kill();
    await down;
    now += 3_600_000;
    const servedBefore = c().served;
    expect(new Set(await send(http, 12))).toEqual(new Set(["a", "b"]));

    const passes: boolean[] = [];
    balancer.healthChecker?.onCheck((r) => r.instance.id === "c" && passes.push(r.ok));
    const up = new Promise((resolve) => balancer.onHealthy(({ instance: i }) => i.id === "c" && resolve(i)));
    await c().start();
    await up;
    expect(passes.slice(passes.lastIndexOf(false) + 1)).toEqual([true, true]);
    expect(c().served).toBe(servedBefore);
    expect(await send(http, 6)).toContain("c");
    balancer.close();
  });
});
