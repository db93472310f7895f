// Per-subset traffic policy on real processes (fleet.fixture.ts: a registry, instances v1, v1, v2 that registered
// themselves, a client process): calls routed to a subset run under the subset's settings over the destination's.
// The rule is Istio's DestinationRule (https://istio.io/latest/docs/reference/config/networking/destination-rule/,
// Subset.trafficPolicy: "Settings specified at the subset level will override the corresponding settings specified
// at the DestinationRule level"): in istio/istio pilot/pkg/networking/util MergeSubsetTrafficPolicy replaces the
// destination's loadBalancer, connectionPool and outlierDetection whole with the subset's, and each subset becomes an
// Envoy cluster of its own (pilot's cluster builder, buildSubsetCluster) — its own balancer, limits and ejections.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARY, type Fleet, SUBSETS, startFleet } from "./fleet.fixture.js";

let fleet: Fleet;
/** Everything but x-canary goes to v1; x-canary: true to v2. */
const V1_ROUTE = { route: [{ subset: "v1" }] };
/** Each call is held 1.5 s by the instance, so ten concurrent calls are all in flight at once. */
const SLOW = "/slow?delayMs=1500";

beforeAll(async () => {
  fleet = await startFleet();
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
}, 30_000);

describe("subsets[].trafficPolicy: a subset's settings override the destination's for calls routed to it", () => {
  it("a connection limit: the destination's bulkhead of 1 holds v1, v2's own bulkhead of 20 replaces it", async () => {
    const line = await fleet.push({
      destination: {
        bulkhead: { maxConcurrent: 1, maxQueue: 0 },
        subsets: [SUBSETS[0], { ...SUBSETS[1], trafficPolicy: { bulkhead: { maxConcurrent: 20, maxQueue: 0 } } }],
      },
      routes: [CANARY, V1_ROUTE],
    });
    expect(line).toMatchObject({ status: "ACK" });
    // v1: one call in flight at a time, the nine others refused at once by the destination's bulkhead.
    expect((await fleet.client.run(10, { path: SLOW, concurrency: 10 })).seen).toEqual({
      v1: 1,
      RESILIENCE_BULKHEAD_FULL: 9,
    });
    // v2: its own bulkhead (20) replaces the destination's (1) — all ten in flight together, none refused.
    const canary = { path: SLOW, concurrency: 10, headers: { "x-canary": "true" } };
    expect((await fleet.client.run(10, canary)).seen).toEqual({ v2: 10 });
  }, 120_000);

  it("a balancing rule: v1's round robin replaces the destination's random, with a balancer of v1's own", async () => {
    await fleet.push({
      destination: {
        rule: { name: "random" },
        subsets: [{ ...SUBSETS[0], trafficPolicy: { rule: { name: "round-robin" } } }, SUBSETS[1]],
      },
      routes: [CANARY, V1_ROUTE],
    });
    // One call at a time: round robin over v1's two instances alternates them strictly (random would repeat one
    // within 40 calls but once in 2^39).
    const { seen, ids = [] } = await fleet.client.run(40, { concurrency: 1, ids: true });
    expect(seen).toEqual({ v1: 40 });
    expect(new Set(ids)).toEqual(new Set(["v1-0", "v1-1"]));
    for (let i = 1; i < ids.length; i += 1) expect(ids[i]).not.toBe(ids[i - 1]);
  }, 120_000);

  it("a subset's policy applies only to calls a route sends to the subset (istio/istio.io#4653)", async () => {
    // Istio's documented subtlety: "Policies specified for subsets will not take effect until a route rule
    // explicitly sends traffic to this subset" — a call that reaches a v2 instance by the service's own balancing
    // is not held to v2's limit.
    await fleet.push({
      destination: {
        subsets: [SUBSETS[0], { ...SUBSETS[1], trafficPolicy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } }],
      },
    });
    const { seen } = await fleet.client.run(9, { path: SLOW, concurrency: 9 });
    expect(seen).toEqual({ v1: 6, v2: 3 }); // round robin over v1, v1, v2: three v2 calls in flight together
  }, 120_000);

  it("an Istio DestinationRule's subset connectionPool is that subset's own limit", async () => {
    await fleet.change("POST", "/apply", ISTIO, "application/yaml");
    expect((await fleet.client.run(10, { path: SLOW, concurrency: 10 })).seen).toEqual({ v1: 10 });
    const canary = { path: SLOW, concurrency: 10, headers: { "x-canary": "true" } };
    expect((await fleet.client.run(10, canary)).seen).toEqual({ v2: 1, RESILIENCE_BULKHEAD_FULL: 9 });
  }, 120_000);
});

const ISTIO = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: backend }
spec:
  host: backend
  subsets:
  - { name: v1, labels: { version: v1 } }
  - name: v2
    labels: { version: v2 }
    trafficPolicy:
      connectionPool: { http: { http2MaxRequests: 1, http1MaxPendingRequests: 0 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: backend }
spec:
  hosts: [backend]
  http:
  - match: [{ headers: { x-canary: { exact: "true" } } }]
    route: [{ destination: { host: backend, subset: v2 } }]
  - route: [{ destination: { host: backend, subset: v1 } }]
`;
