// The control plane end to end on real processes: a registry process (registry-server's CLI), three instance
// processes of "backend" (v1, v1, v2) that register themselves with their `version`, and client processes running
// createOutrigger with a seeded control plane (fleet.fixture.ts). Every draw of a call (subset, fault, mirror) is
// taken at once from the client's seeded random, so the shares below are fixed by the seed and cannot flake.
// Semantics from Istio's networking/v1 VirtualService (weighted routes, header matches, HTTPFaultInjection,
// mirrorPercentage) and Envoy's xDS ACK/NACK (envoy/service/discovery/v3/discovery.proto: a NACK carries
// error_detail and the client keeps the previous version_info).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fleet, SUBSETS, split, startFleet } from "./fleet.fixture.js";
import { spawnClient } from "./processes.fixture.js";

let fleet: Fleet;
const run = (n: number, extra?: Record<string, unknown>) => fleet.client.run(n, extra);
const share = (count: number | undefined, n: number) => (count ?? 0) / n;
const reports = async () => ((await fleet.policy("GET", "/reports")) as { reports: unknown[] }).reports;

beforeAll(async () => {
  fleet = await startFleet();
  // No policy yet: plain round robin over the three instances.
  expect((await run(30, { concurrency: 1 })).seen).toEqual({ v1: 20, v2: 10 });
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
}, 30_000);

describe("control plane: the registry's policy applied by client processes", () => {
  it("splits 95/5 within ±2% over 10 000 requests, sends x-canary: true to v2 only, and ACKs the revision", async () => {
    expect(await fleet.push(split(5))).toMatchObject({ revision: 1, status: "ACK", source: "registry" });
    const { seen } = await run(10_000);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(10_000);
    expect(Math.abs(share(seen.v2, 10_000) - 0.05)).toBeLessThanOrEqual(0.02);
    expect((await run(500, { headers: { "x-canary": "true" } })).seen).toEqual({ v2: 500 });
    await expect
      .poll(reports)
      .toContainEqual(expect.objectContaining({ service: "BACKEND", revision: 1, status: "ACK" }));
  }, 120_000);

  it("og.http (axios) follows the same revision: split, header match", async () => {
    const { seen } = await run(2_000, { via: "http" });
    expect(Math.abs(share(seen.v2, 2_000) - 0.05)).toBeLessThanOrEqual(0.02);
    expect((await run(200, { via: "http", headers: { "x-canary": "true" } })).seen).toEqual({ v2: 200 });
  }, 120_000);

  it("injects fault delays and aborts at the configured rates (±2%)", async () => {
    const fault = { delay: { fixedDelayMs: 3_000, percentage: 10 }, abort: { httpStatus: 503, percentage: 20 } };
    await fleet.push(split(0, { fault }));
    // A delayed answer takes ≥ 3 s; on a busy 2-core machine an undelayed one takes well under a second.
    const { seen, slow } = await run(1_000, { slowMs: 3_000, concurrency: 100 });
    expect(Math.abs(slow / 1_000 - 0.1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share(seen["503"], 1_000) - 0.2)).toBeLessThanOrEqual(0.02);
    expect((seen["503"] ?? 0) + (seen.v1 ?? 0)).toBe(1_000);
    const viaHttp = (await run(1_000, { via: "http" })).seen;
    expect(Math.abs(share(viaHttp["503"], 1_000) - 0.2)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("mirrors a share to a subset: the caller sees only the primary's answers, the mirror counts the copies", async () => {
    await fleet.push(split(0, { mirror: { subset: "v2", percentage: 50 } }));
    const before = await fleet.received("v2");
    const { seen } = await run(1_000);
    expect(seen).toEqual({ v1: 1_000 });
    // Copies are fire and forget: the caller's answers may come before the last copies land.
    await expect
      .poll(async () => (await fleet.received("v2")) - before, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(450);
    expect((await fleet.received("v2")) - before).toBeLessThanOrEqual(550);
    // A mirror subset without instances: every copy fails, no caller sees it.
    await fleet.push(split(0, { mirror: { subset: "v3", percentage: 100 } }));
    expect((await run(200)).seen).toEqual({ v1: 200 });
  }, 120_000);

  it("NACKs a revision it cannot apply, with the reason, and keeps serving the previous one", async () => {
    const canary = await fleet.push(split(5));
    const previous = canary.revision as number;
    const unapplicable = split(50);
    // The schema takes any rule setting; building the rule refuses one it does not have (LB_INVALID_OPTION).
    unapplicable.destination.subsets = [
      { ...SUBSETS[0], trafficPolicy: { rule: { name: "round-robin", choiceCount: 2 } } },
      ...SUBSETS.slice(1),
    ];
    const nack = await fleet.push(unapplicable, "NACK");
    expect(nack).toMatchObject({
      revision: previous + 1,
      reason: expect.stringContaining("destination.subsets[0].trafficPolicy: rule.choiceCount"),
    });
    // The report is sent after the client's event: poll the registry until it arrives.
    await expect.poll(reports).toContainEqual(
      expect.objectContaining({
        revision: previous + 1,
        status: "NACK",
        reason: expect.stringContaining("choiceCount"),
      }),
    );
    const { seen } = await run(2_000);
    expect(Math.abs(share(seen.v2, 2_000) - 0.05)).toBeLessThanOrEqual(0.02); // still 95/5, not 50/50
  }, 120_000);

  it("rollback restores the earlier behaviour", async () => {
    await fleet.push(split(50));
    expect(Math.abs(share((await run(2_000)).seen.v2, 2_000) - 0.5)).toBeLessThanOrEqual(0.03);
    expect(await fleet.change("POST", "/services/backend/rollback", { revision: 1 })).toMatchObject({ status: "ACK" });
    expect(Math.abs(share((await run(2_000)).seen.v2, 2_000) - 0.05)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("runs a client's very first call of a service under the central policy already in force", async () => {
    await fleet.push(split(0, { fault: { abort: { httpStatus: 418, percentage: 100 } } }));
    // A new process that has never called "backend": its first call waits for the first watch answer, which
    // carries the instances and the policy together, so call #1 is already aborted.
    const fresh = await spawnClient(fleet.registry.url);
    try {
      expect((await fresh.run(1, { concurrency: 1 })).seen).toEqual({ 418: 1 });
      expect(await fresh.next("apply")).toMatchObject({ status: "ACK", source: "registry" });
    } finally {
      await fresh.stop();
    }
  }, 120_000);

  it("applies an Istio DestinationRule + VirtualService pair end to end", async () => {
    await fleet.change("POST", "/apply", ISTIO, "application/yaml");
    expect((await run(300, { path: "/api/items", headers: { "x-canary": "true" } })).seen).toEqual({ v2: 300 });
    expect((await run(300, { path: "/api/items" })).seen).toEqual({ v1: 300 });
    expect((await run(10, { path: "/elsewhere" })).seen).toEqual({ 404: 10 }); // no route matched, as Envoy
  }, 120_000);

  it("applies the last revision from its state file at start while the registry is down", async () => {
    // The client shuts down cleanly (its stdin ends: og.close()), which saves the revision it runs — the Istio
    // pair's, from the test before this one — at once, without waiting for the save delay; a new process takes over.
    const exited = new Promise((resolve) => fleet.client.child.once("exit", resolve));
    fleet.client.child.stdin?.end();
    await exited;
    await fleet.registry.stop();
    const second = await spawnClient(fleet.registry.url, fleet.stateDir);
    try {
      const done = second.run(50, { path: "/api/items", headers: { "x-canary": "true" } });
      expect(await second.next("apply")).toMatchObject({ status: "ACK", source: "file" });
      expect((await done).seen).toEqual({ v2: 50 });
    } finally {
      await second.stop();
    }
  }, 120_000);
});

const ISTIO = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: backend }
spec:
  host: backend.default.svc.cluster.local
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: backend }
spec:
  hosts: [backend.default.svc.cluster.local]
  http:
  - match: [{ headers: { x-canary: { exact: "true" } } }]
    route: [{ destination: { host: backend, subset: v2 } }]
  - match: [{ uri: { prefix: /api } }]
    route: [{ destination: { host: backend, subset: v1 } }]
    timeout: 2s
    retries: { attempts: 2, perTryTimeout: 500ms }
`;
