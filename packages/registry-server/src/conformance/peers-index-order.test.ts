// Rules: hashicorp/consul agent/consul/rpc.go blockingQuery — the index a query answers with is the cluster's (one
// Raft log), so whichever server answers, a client is never handed an index below one it already had; api/api.go
// (`WaitIndex`) and silas/node-consul lib/watch.js reset to index 0 when it goes back, which is what a client
// bouncing between peers must never be driven to. Field case replayed: hashicorp/consul#7939 ("X-Consul-Index
// going backwards due to different results from servers": each server numbered the same service differently).
// Netflix/eureka PeerEurekaNode.java / PeerAwareInstanceRegistryImpl.syncUp — writes replicate in batches and a
// starting peer copies a peer's registry, the two channels the per-application index travels over here.
//
// Each case drives two real registries into one interleaving that numbered the same content differently on the
// two peers before the fix (peers-one-index.test.ts met these at random, about one run in three under load).
import { describe, expect, it } from "vitest";
import { freePort } from "../e2e/spawn-registry.js";
import { watchUntil } from "../e2e/watch-until.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

/** One watch answer's index: `GET /outrigger/watch/apps/{app}?index=&wait=` (the server holds it, no test sleep). */
async function watchIndex(base: string, app: string, index: number, wait: string): Promise<number> {
  const res = await fetch(`${base}/outrigger/watch/apps/${app}?index=${index}&wait=${wait}`);
  await res.arrayBuffer();
  return Number(res.headers.get("x-outrigger-index"));
}

/** The Consul index of one service's health answer, held at `index` for `wait`. */
async function consulIndex(base: string, service: string, index: number, wait: string): Promise<number> {
  const res = await fetch(`${base}/v1/health/service/${service}?index=${index}&wait=${wait}`);
  await res.arrayBuffer();
  return Number(res.headers.get("x-consul-index"));
}

/** Blocking queries on one service's health (held by the server) until its one check's status matches. */
async function consulUntil(base: string, service: string, match: (status: string) => boolean, from = 0) {
  let index = from;
  const deadline = Date.now() + 20_000; // a guard only: each answer comes when the index moves
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/v1/health/service/${service}?index=${index}&wait=5s`);
    index = Number(res.headers.get("x-consul-index"));
    const entries = (await res.json()) as { Checks: { CheckID: string; Status: string }[] }[];
    const check = entries[0]?.Checks.find((c) => c.CheckID !== "serfHealth");
    if (check && match(check.Status)) return index;
  }
  throw new Error(`${service} on ${base} never matched`);
}

describe("one index across peers, whichever peer numbered a change (real registries, forced interleavings)", () => {
  it("a receiver that numbered a replicated change above its sender: the sender takes the receiver's index", {
    timeout: 30_000,
  }, async () => {
    // A replicates to a peer that never answers, so A's own writes stay on A and its index runs ahead of B's;
    // B replicates to A.
    const a = await start(["--self-preservation", "off", "--peer", `http://127.0.0.1:${await freePort()}/eureka`]);
    const b = await start(["--self-preservation", "off", "--peer", `${a.url}/eureka`]);
    await eurekaCalls(b.url, "ORDERED").register("o-1");
    await watchUntil(a.url, "ORDERED", (list) => list.length === 1);
    for (const id of ["x-1", "x-2", "x-3", "x-4"]) await eurekaCalls(a.url, "OTHER").register(id);
    // B's write reaches A, which numbers it above B's own number for it (A's index ran ahead).
    await eurekaCalls(b.url, "ORDERED").write("PUT", "o-1/status?value=OUT_OF_SERVICE");
    await watchUntil(a.url, "ORDERED", (list) => list[0]?.status === "OUT_OF_SERVICE");
    const fromA = await watchIndex(a.url, "ORDERED", -1, "1s");
    // The client bounces to B with A's index: B holds (nothing changes), then answers — never below A's.
    const fromB = await watchIndex(b.url, "ORDERED", fromA, "1s");
    expect(fromB).toBeGreaterThanOrEqual(fromA);
    const consulA = await consulIndex(a.url, "ordered", 0, "1s");
    expect(await consulIndex(b.url, "ordered", consulA, "1s")).toBeGreaterThanOrEqual(consulA);
  });

  it("a restarted peer that copied the registry in its own order: the peers agree on each application's index", {
    timeout: 30_000,
  }, async () => {
    const bPort = await freePort();
    const a = await start(["--self-preservation", "off", "--peer", `http://127.0.0.1:${bPort}/eureka`]);
    // ZED is registered first on A (a low index there) but sorts last in the full fetch B copies.
    await eurekaCalls(a.url, "ZED").register("z-1");
    for (const id of ["y-1", "y-2", "y-3", "y-4"]) await eurekaCalls(a.url, "YAK").register(id);
    const b = await start(["--port", String(bPort), "--self-preservation", "off", "--peer", `${a.url}/eureka`]);
    expect(b.started.synced).toBe(5);
    for (const app of ["ZED", "YAK"]) {
      const fromB = await watchIndex(b.url, app, -1, "1s");
      expect(await watchIndex(a.url, app, fromB, "1s")).toBeGreaterThanOrEqual(fromB);
      const fromA = await watchIndex(a.url, app, -1, "1s");
      expect(await watchIndex(b.url, app, fromA, "1s")).toBeGreaterThanOrEqual(fromA);
    }
  });

  it("a lease that ended and came back on one peer: a peer restarted after it answers the same Consul index", {
    timeout: 30_000,
  }, async () => {
    const bPort = await freePort();
    const a = await start(["--self-preservation", "off", "--peer", `http://127.0.0.1:${bPort}/eureka`]);
    const calls = eurekaCalls(a.url, "LAPSED");
    await calls.register("l-1", { leaseInfo: { durationInSecs: 1 } });
    // The lease passes its end (A's own timer: its Consul check turns critical), then a renewal brings it back.
    const critical = await consulUntil(a.url, "lapsed", (status) => status === "critical");
    expect(await calls.renew("l-1")).toBe(200);
    await consulUntil(a.url, "lapsed", (status) => status === "passing", critical);
    const b = await start(["--port", String(bPort), "--self-preservation", "off", "--peer", `${a.url}/eureka`]);
    expect(b.started.synced).toBe(1);
    const fromA = await consulIndex(a.url, "lapsed", 0, "1s");
    expect(await consulIndex(b.url, "lapsed", fromA, "1s")).toBeGreaterThanOrEqual(fromA);
    const fromB = await consulIndex(b.url, "lapsed", 0, "1s");
    expect(await consulIndex(a.url, "lapsed", fromB, "1s")).toBeGreaterThanOrEqual(fromB);
  });
});
