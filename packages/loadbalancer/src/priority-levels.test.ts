// RFC 2782: "A client MUST attempt to contact the target host with the lowest-numbered priority it can reach"
// (Metaswitch/sprout#872: backups took an equal share beside the primaries). Envoy's priority levels say how much a
// degraded level keeps: its health × 1.4 (docs: "Priority levels", arch overview of load balancing).

import { seededRandom } from "@outrigger/core";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { zoneFilter } from "./filters.js";
import { priorityLevels } from "./priority-levels.js";
import { countingServers, instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import { ZonePreferenceRule } from "./zone-preference.js";

const at = (id: string, priority: number, port = 1): ServiceInstance => ({ ...instance(id, "UP", port), priority });
const level = (priority: number, n: number) => Array.from({ length: n }, (_, i) => at(`p${priority}-${i}`, priority));
/** The levels' loads for these UP instances of which `inService` are in service (all pass active checks). */
const priorityLoads = (up: ServiceInstance[], inService: ServiceInstance[]) =>
  priorityLevels(up, up, inService, 50)?.map(({ priority, load }) => ({ priority, load }));

describe("priorityLoads (Envoy's priority load, overprovisioning 1.4)", () => {
  it("is undefined when every instance is at one level", () => {
    expect(priorityLoads(level(0, 3), level(0, 3))).toBeUndefined();
    expect(priorityLoads(level(7, 2), [])).toBeUndefined();
  });

  // Envoy's table for two levels: P0 healthy 100% → 100/0, 72% → 100/0, 71% → 99/1, 50% → 70/30, 25% → 35/65,
  // 0% → 0/100 (P1 fully healthy).
  it.each([
    [25, 25, 100],
    [18, 25, 100], // 72%
    [71, 100, 99.4],
    [1, 2, 70],
    [1, 4, 35],
    [0, 4, 0],
  ])("%i of %i level-0 instances in service: level 0 takes %f%%", (healthy, total, load) => {
    const p0 = level(0, total);
    const p1 = level(1, 4);
    const loads = priorityLoads([...p0, ...p1], [...p0.slice(0, healthy), ...p1]);
    expect(loads?.[0]?.load).toBeCloseTo(load, 6);
    expect(loads?.[1]?.load).toBeCloseTo(100 - load, 6);
  });

  it("scales the levels' health up when together they are short of 100, and splits by size when none is", () => {
    // P0 1 of 4 (35), P1 1 of 4 (35): availability 70, so 50/50.
    const p0 = level(0, 4);
    const p1 = level(1, 4);
    expect(priorityLoads([...p0, ...p1], [p0[0] as ServiceInstance, p1[0] as ServiceInstance])).toEqual([
      { priority: 0, load: 50 },
      { priority: 1, load: 50 },
    ]);
    // Total panic (Envoy's recalculateLoadInTotalPanic): by the levels' sizes.
    expect(priorityLoads([...p0, ...level(1, 12)], [])).toEqual([
      { priority: 0, load: 25 },
      { priority: 1, load: 75 },
    ]);
  });
});

describe("a balancer over two priority levels, against real servers", () => {
  let servers: Awaited<ReturnType<typeof countingServers>>;
  beforeAll(async () => {
    servers = await countingServers(["primary", "backup"]);
  });
  afterAll(() => servers.close());

  const over = (instances: ServiceInstance[], random = Math.random) => {
    const balancer = createBalancer({ instancer: new FixedInstancer(instances), random });
    return { balancer, dispatcher: createLbDispatcher({ balancer: () => balancer }) };
  };

  it("sends every request to the lowest level while it is in service; backups get none", async () => {
    servers.reset();
    const { balancer, dispatcher } = over([
      at("primary", 10, servers.ports.primary),
      at("backup", 20, servers.ports.backup),
    ]);
    for (let i = 0; i < 50; i++) await (await request("http://svc/", { dispatcher })).body.dump();
    expect(servers.arrivals).toEqual({ primary: 50, backup: 0 });
    await dispatcher.close();
    balancer.close();
  });

  it("fails over to the next level when the lowest refuses: retried there, then ejected", async () => {
    servers.reset();
    const refusing = at("primary", 10, 1); // nothing listens on port 1
    const { balancer, dispatcher } = over([refusing, at("backup", 20, servers.ports.backup)]);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await request("http://svc/", { dispatcher });
      statuses.push(answer.statusCode);
      await answer.body.dump();
    }
    expect(statuses).toEqual(Array(20).fill(200));
    expect(servers.arrivals.backup).toBe(20);
    // Envoy's consecutive_gateway_failure (5): ejected after five refusals, so later requests go to the backup first.
    expect(balancer.stats("primary")).toMatchObject({ ejected: true, consecutiveFailures: 0 });
    await dispatcher.close();
    balancer.close();
  });

  it("spills a degraded level's share to the next: 1 of 2 in service keeps 70%", () => {
    let draw = 0;
    const instances = [at("a", 0), at("b", 0), at("backup", 1)];
    const balancer = createBalancer({ instancer: new FixedInstancer(instances), random: () => draw });
    // Eject "b": five failures in a row (Envoy's consecutive_5xx).
    for (let i = 0; i < 5; i++) {
      const pick = balancer.pick({ avoid: new Set(["a", "backup"]) });
      pick.done({ kind: "failure", reason: "status", status: 503, rttMs: 1 });
    }
    expect(balancer.stats("b")?.ejected).toBe(true);
    draw = 0.69; // 69 < 70: level 0
    expect(balancer.pick().instance.id).toBe("a");
    draw = 0.71; // 71 ≥ 70: level 1
    expect(balancer.pick().instance.id).toBe("backup");
    balancer.close();
  });

  /** Ejects `id` by five failures in a row (Envoy's consecutive_5xx), picking it alone through the levels. */
  const eject = (balancer: ReturnType<typeof createBalancer>, id: string, all: readonly ServiceInstance[]) => {
    const avoid = new Set(all.map((i) => i.id).filter((other) => other !== id));
    for (let i = 0; i < 5; i++) {
      const pick = balancer.pick({ avoid, untriedOnly: true });
      expect(pick.instance.id).toBe(id);
      pick.done({ kind: "failure", reason: "status", status: 503, rttMs: 1 });
    }
  };
  const tally = (balancer: ReturnType<typeof createBalancer>, n: number) => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const pick = balancer.pick();
      counts[pick.instance.id] = (counts[pick.instance.id] ?? 0) + 1;
      pick.done({ kind: "success", rttMs: 1 });
    }
    return counts;
  };

  it("draws the level before the filters run: a filter narrows within the level, never onto the backups", () => {
    const fleet = [
      { ...at("p0-a", 0), zone: "a" },
      { ...at("p0-b", 0), zone: "b" },
      { ...at("p1-c", 1), zone: "c" },
    ];
    const balancer = createBalancer({ instancer: new FixedInstancer(fleet), filters: [zoneFilter({ zone: "c" })] });
    expect(Object.keys(tally(balancer, 200)).sort()).toEqual(["p0-a", "p0-b"]);
    balancer.close();
  });

  it("gives a rule only its level's instances as the set: backups do not count as the local zone's", () => {
    const fleet = [
      { ...at("p0-local1", 0), zone: "a" },
      { ...at("p0-local2", 0), zone: "a" },
      { ...at("p0-far", 0), zone: "b" },
      ...[1, 2, 3].map((n) => ({ ...at(`p1-local${n}`, 1), zone: "a" })),
    ];
    const balancer = createBalancer({
      instancer: new FixedInstancer(fleet),
      rule: new ZonePreferenceRule({ zone: "a" }),
    });
    expect(tally(balancer, 100)).toEqual({ "p0-local1": 50, "p0-local2": 50 });
    balancer.close();
  });

  it("has no panic while the levels together are available: a degraded level's ejected instances get nothing", () => {
    const fleet = [...level(0, 10), ...level(1, 2)];
    for (const mode of ["use-all", "fail"] as const) {
      const balancer = createBalancer({
        instancer: new FixedInstancer(fleet),
        outlierDetection: { maxEjectionPercent: 100 },
        panic: { mode },
      });
      for (const id of ["p0-0", "p0-1", "p0-2", "p0-3", "p0-4", "p0-5", "p0-6"]) eject(balancer, id, fleet);
      // Level 0: 3 of 10 in service, health 42; level 1 all, 100: availability 100, so neither is in panic.
      const counts = tally(balancer, 1000);
      expect(Object.keys(counts).sort()).toEqual(["p0-7", "p0-8", "p0-9", "p1-0", "p1-1"]);
      balancer.close();
    }
  });

  it("in total panic uses every level by size, or fails fast with panic.mode fail", () => {
    const fleet = [...level(0, 1), ...level(1, 1)];
    const options = { instancer: new FixedInstancer(fleet), outlierDetection: { maxEjectionPercent: 100 } };
    const spread = createBalancer({ ...options, random: seededRandom(7) });
    const failing = createBalancer({ ...options, panic: { mode: "fail" } });
    for (const balancer of [spread, failing]) for (const i of fleet) eject(balancer, i.id, fleet);
    const counts = tally(spread, 400);
    expect(counts["p0-0"]).toBeGreaterThan(150);
    expect(counts["p1-0"]).toBeGreaterThan(150);
    expect(() => failing.pick()).toThrow(expect.objectContaining({ code: "LB_PANIC" }));
    spread.close();
    failing.close();
  });
});
