// Field cases of Eureka's self-preservation and eviction, replayed on the real registry, agent and evictor with a
// fake clock (every run of the evictor at its own minute, every renewal at its client's 30 s):
// - spring-cloud/spring-cloud-netflix#373, Netflix/eureka#1093: only instances renewing at the expected rate may
//   count; Consul agent services (10-year leases renewed by their owner every 10 s) hid a partition.
// - Netflix/eureka#1071, #1073: evictions must not lower the threshold, or a spreading partition goes piece by piece.
// - Netflix/eureka#1247, spring-cloud/spring-cloud-netflix#2407: dead leases of clients restarted under new ids held
//   self-preservation on for good.
// - Netflix/eureka#661: a late eviction run (a stalled process) charged the clients for the server's stall.
import { describe, expect, it } from "vitest";
import { ConsulAgent } from "./consul/agent.js";
import { parseServiceDefinition } from "./consul/definition.js";
import { Evictor } from "./evictor.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { ConsulOwnership } from "./replication/ownership.js";
import { SelfPreservation } from "./self-preservation.js";
import { fakeClock, registration } from "./test-fixtures.js";

function world(options: { selfPreservation?: boolean } = {}) {
  const clock = fakeClock(0);
  const registry = new Registry({ clock });
  const sp = new SelfPreservation(registry, { enabled: options.selfPreservation ?? true });
  const evictor = new Evictor(registry, { selfPreservation: sp, random: () => 0, evictionIntervalMs: 60_000 });
  const register = (id: string) =>
    registry.register(parseRegistration(registration(id, { app: "ORDERS" }), "ORDERS", clock.now()));
  return { clock, registry, sp, evictor, register };
}

/** Runs the clock second by second to `untilMs`: `renewing(id, t)` says who renews at each 30 s; eviction each minute. */
function run(
  w: ReturnType<typeof world>,
  ids: () => readonly string[],
  renewing: (id: string, t: number) => boolean,
  untilMs: number,
  every10s: () => void = () => undefined,
) {
  let evicted = 0;
  for (let t = w.clock.now() + 1000; t <= untilMs; t += 1000) {
    w.clock.advance(1000);
    if (t % 30_000 === 0) for (const id of ids()) if (renewing(id, t)) w.registry.renew("ORDERS", id);
    if (t % 10_000 === 0) every10s();
    if (t % 60_000 === 0) evicted += w.evictor.run().evicted.length;
  }
  return evicted;
}

const tenIds = Array.from({ length: 10 }, (_, i) => `e-${i}`);

/** Twenty clients renewing until the expected count's first 15-minute update is behind them. */
function twentyPastTheFirstUpdate() {
  const w = world();
  const ids = Array.from({ length: 20 }, (_, i) => `e-${i}`);
  for (const id of ids) w.register(id);
  run(
    w,
    () => ids,
    () => true,
    15 * 60_000,
  );
  return { w, ids };
}

describe("self-preservation in the field", () => {
  it("notices a partition of the Eureka clients beside Consul agent services (they do not count)", () => {
    const w = world();
    const agent = new ConsulAgent({ registry: w.registry, clock: w.clock, node: () => "n1" });
    const ownership = new ConsulOwnership(w.registry, agent, { node: "n1" });
    for (let i = 0; i < 5; i++) {
      const service = { Name: "web", ID: `web-${i}`, Port: 9000 + i, Check: { TTL: "3600s", Status: "passing" } };
      agent.register(parseServiceDefinition(service, "127.0.0.1"));
    }
    for (const id of tenIds) w.register(id);
    // Every Eureka renewal stops at 5 min (a partition); the agent's services go on being renewed by their owner.
    const evicted = run(
      w,
      () => tenIds,
      (_, t) => t < 300_000,
      600_000,
      () => ownership.tick(),
    );
    expect(evicted).toBe(0);
    expect(w.registry.application("ORDERS")).toHaveLength(10);
    expect(w.sp.state()).toMatchObject({ active: true, expectedRenewsPerMinute: 20, threshold: 17 });
    ownership.close();
    agent.close();
  });

  it("does not lower the threshold as it evicts: a partition spreading one client a minute loses about two", () => {
    const w = world();
    const ids = Array.from({ length: 20 }, (_, i) => `e-${i}`);
    for (const id of ids) w.register(id);
    // From 5 min on, one more client a minute loses the registry.
    const cut = (id: string) => 300_000 + Number(id.slice(2)) * 60_000;
    const evicted = run(
      w,
      () => ids,
      (id, t) => t < cut(id),
      840_000,
    );
    expect(evicted).toBeLessThanOrEqual(2);
    expect(w.sp.state().active).toBe(true);
  });

  it("lets go, within 15 minutes, of dead leases left by clients restarted under new ids", () => {
    const { w, ids } = twentyPastTheFirstUpdate();
    // Four clients die (kill -9) and come back under new ids: 24 leases, 20 renewing, 40 renews against 40.
    const dead = new Set(["e-0", "e-1", "e-2", "e-3"]);
    for (const id of ["n-0", "n-1", "n-2", "n-3"]) {
      w.register(id);
      ids.push(id);
    }
    run(
      w,
      () => ids,
      (id) => !dead.has(id),
      20 * 60_000,
    );
    expect(w.sp.state()).toMatchObject({ active: true, threshold: 40 }); // Eureka stays here for good
    run(
      w,
      () => ids,
      (id) => !dead.has(id),
      32 * 60_000,
    );
    expect(w.sp.state()).toMatchObject({ active: false, expectedRenewsPerMinute: 40 });
    expect(w.registry.application("ORDERS").map((l) => l.info.instanceId)).not.toContain("e-0");
  });

  it("keeps a partition that starts after the update protected at the next one (the live count fell)", () => {
    const { w, ids } = twentyPastTheFirstUpdate();
    const cut = new Set(["e-0", "e-1", "e-2", "e-3"]);
    const evicted = run(
      w,
      () => ids,
      (id) => !cut.has(id),
      32 * 60_000,
    );
    expect(evicted).toBe(0);
    expect(w.sp.state()).toMatchObject({ active: true, expectedRenewsPerMinute: 40 });
  });

  it("does not charge the clients for a late eviction run (a stalled process), self-preservation off", () => {
    const w = world({ selfPreservation: false });
    for (const id of tenIds) w.register(id);
    run(
      w,
      () => tenIds,
      () => true,
      600_000,
    );
    // The process stalls 100 s: no renewal is read, no run happens; then the overdue run comes first.
    w.clock.advance(100_000);
    const report = w.evictor.run();
    expect(report).toMatchObject({ evicted: [], compensationMs: 40_000 }); // 100 s since the last run, 60 s due
    expect(w.registry.application("ORDERS")).toHaveLength(10);
  });
});
