// The apply path of the control plane: what a new revision rebuilds, and how the applied revision is saved.
// Reuse follows Envoy: an update whose content hash matches the running config changes nothing, per cluster and per
// route table (envoy include/envoy/upstream/cluster_manager.h `addOrUpdateCluster`: "The hash of the config is used
// to determine if an already existing cluster has changed. Nothing is done if the hash matches";
// source/common/rds/route_config_update_receiver_impl.cc), and Istio makes each subset a cluster of its own (pilot's
// cluster builder, `buildSubsetCluster`). Saving follows Consul's lib/file/atomic.go `WriteAtomic` (a temp file of
// its own, fsync, rename), off the apply path and after a delay as Envoy's xDS store (policy-saver.test.ts).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryWatchInstancer } from "@outrigger/discovery";
import type { ServicePolicy } from "@outrigger/policy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OutriggerNodeError } from "../errors.js";
import { ControlPlane, type PolicyApplyEvent } from "./control-plane.js";
import { hostFor } from "./host.fixture.js";
import { policyFilePath, writePolicyFile } from "./policy-file.js";

/**
 * A canary policy: subset v2 with a bulkhead of one call of its own; route 0 to v2 by header (with a timeout of its
 * own), route 1 split between v1 and v2, route 2 to v1 by path.
 */
function canary(v2Weight: number, destinationRetries = 1): ServicePolicy {
  return {
    destination: {
      retry: { maxAttempts: destinationRetries },
      subsets: [
        { name: "v1", labels: { version: "v1" } },
        { name: "v2", labels: { version: "v2" }, trafficPolicy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
      ],
    },
    routes: [
      { match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }], timeout: { totalMs: 900 } },
      {
        route: [
          { subset: "v1", weight: 100 - v2Weight },
          { subset: "v2", weight: v2Weight },
        ],
      },
      { match: [{ uri: { prefix: "/v1" } }], route: [{ subset: "v1" }] },
    ],
  };
}

const offer = (plane: ControlPlane, revision: number, policy: ServicePolicy) =>
  plane.offer("orders", { service: "ORDERS", revision, policy }, "registry");

describe("a new revision rebuilds only what changed (Envoy: same hash, nothing done)", () => {
  it("keeps an unchanged subset's pipeline, so its bulkhead still counts the calls in flight", async () => {
    const errors: OutriggerNodeError[] = [];
    const plane = new ControlPlane("client", {}, hostFor(errors));
    offer(plane, 1, canary(5));
    const before = plane.snapshot("orders");
    const v2 = before?.subsets[1]?.pipeline;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inFlight = v2?.execute(() => held);
    // The call takes its place in the bulkhead within the pipeline's first steps (microtasks).
    await new Promise((resolve) => setImmediate(resolve));
    // Only route 1's weights change: subset v2 is the same subset.
    offer(plane, 2, canary(50));
    const after = plane.snapshot("orders");
    expect(after?.revision).toBe(2);
    expect(after?.subsets[1]).toBe(before?.subsets[1]);
    // The bulkhead of one call is still full: a second call to v2 is refused, not let through a fresh bulkhead.
    await expect(after?.subsets[1]?.pipeline?.execute(() => "second")).rejects.toMatchObject({
      code: "RESILIENCE_BULKHEAD_FULL",
    });
    release();
    await inFlight;
    expect(errors).toEqual([]);
  });

  it("checks each new pipeline with one checker for every revision: refused after accepted, accepted after refused", () => {
    const errors: OutriggerNodeError[] = [];
    const events: PolicyApplyEvent[] = [];
    const plane = new ControlPlane("client", {}, hostFor(errors));
    plane.onApply((event) => events.push(event));
    // The schema takes any delays; building the retry refuses a maximum below the first delay.
    const retry = (initialDelayMs: number, maxDelayMs: number): ServicePolicy => ({
      destination: { retry: { maxAttempts: 3, initialDelayMs, maxDelayMs } },
      routes: [{ route: [{}], retry: { maxAttempts: 2, initialDelayMs, maxDelayMs } }],
    });
    offer(plane, 1, retry(100, 1_000));
    offer(plane, 2, retry(500, 100));
    offer(plane, 3, retry(100, 2_000));
    offer(plane, 4, retry(900, 800));
    expect(events.map((e) => `${e.revision} ${e.status}`)).toEqual(["1 ACK", "2 NACK", "3 ACK", "4 NACK"]);
    expect(events[1]?.reason).toMatch(/^destination: .*maxDelayMs/);
    expect(plane.revision("orders")).toBe(3);
    expect(plane.snapshot("orders")?.routes[0]?.targets[0]?.pipeline?.spec.retry?.maxDelayMs).toBe(2_000);
    expect(errors.map((e) => e.code)).toEqual(["OUTRIGGER_POLICY_REJECTED", "OUTRIGGER_POLICY_REJECTED"]);
  });

  it("keeps an unchanged route and rebuilds the changed one", () => {
    const plane = new ControlPlane("client", {}, hostFor([]));
    offer(plane, 1, canary(5));
    const before = plane.snapshot("orders");
    offer(plane, 2, canary(20));
    const after = plane.snapshot("orders");
    expect(after?.routes[0]).toBe(before?.routes[0]);
    expect(after?.routes[1]).not.toBe(before?.routes[1]);
    expect(after?.routes[1]?.targets.map((t) => t.upTo)).toEqual([80, 100]);
  });

  it("rebuilds what the changed parts feed: a route's own timeout over the destination's new retry", () => {
    const plane = new ControlPlane("client", {}, hostFor([]));
    offer(plane, 1, canary(5, 1));
    const before = plane.snapshot("orders");
    offer(plane, 2, canary(5, 3));
    const after = plane.snapshot("orders");
    // Route 0 has a timeout of its own over the destination's policy: its pipeline takes the new retry.
    expect(after?.routes[0]).not.toBe(before?.routes[0]);
    expect(after?.routes[0]?.targets[0]?.pipeline?.spec.retry).toMatchObject({ maxAttempts: 3 });
    expect(after?.routes[0]?.targets[0]?.pipeline?.spec.timeout).toMatchObject({ totalMs: 900 });
    // A subset with its own policy is built over the destination's: it changes with it, and so does route 1 to it.
    expect(after?.subsets[1]).not.toBe(before?.subsets[1]);
    expect(after?.routes[1]).not.toBe(before?.routes[1]);
    expect(after?.routes[1]?.targets[1]?.subset).toBe(after?.subsets[1]);
    // Route 2 has no timeout or retry of its own and sends to v1, which has no policy of its own: both stay.
    expect(after?.subsets[0]).toBe(before?.subsets[0]);
    expect(after?.routes[2]).toBe(before?.routes[2]);
  });

  it("a changed subset gets its new limit", async () => {
    const plane = new ControlPlane("client", {}, hostFor([]));
    offer(plane, 1, canary(5));
    const wider = canary(5);
    const v2 = wider.destination?.subsets?.[1];
    if (v2?.trafficPolicy) v2.trafficPolicy.bulkhead = { maxConcurrent: 2, maxQueue: 0 };
    offer(plane, 2, wider);
    const pipeline = plane.snapshot("orders")?.subsets[1]?.pipeline;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = pipeline?.execute(() => held);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(pipeline?.execute(() => "second")).resolves.toBe("second");
    release();
    await first;
  });
});

describe("the applied revision is saved in the state directory", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-apply-path-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("saves the newest of many quick revisions whole, and a restart applies it while the registry is down", async () => {
    const errors: OutriggerNodeError[] = [];
    // A state directory that does not exist yet is made.
    const stateDir = join(dir, "state");
    const plane = new ControlPlane("client", { stateDir }, hostFor(errors));
    for (let revision = 1; revision <= 40; revision += 1) offer(plane, revision, canary(revision));
    await plane.saved();
    expect(errors).toEqual([]);
    const saved = JSON.parse(await readFile(policyFilePath(stateDir, "orders"), "utf8"));
    expect(saved).toMatchObject({ service: "ORDERS", revision: 40, policy: canary(40) });

    // A new process: the registry cannot be reached, the state file gives it revision 40.
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const { port } = down.address() as AddressInfo;
    await new Promise((resolve) => down.close(resolve));
    const watch = new RegistryWatchInstancer({ registryUrl: `http://127.0.0.1:${port}/eureka`, service: "orders" });
    try {
      const restarted = new ControlPlane("client", { stateDir }, hostFor(errors));
      const applied = new Promise<PolicyApplyEvent>((resolve) => restarted.onApply(resolve));
      restarted.track("orders", watch);
      expect(await applied).toMatchObject({ revision: 40, status: "ACK", source: "file" });
      expect(restarted.snapshot("orders")?.policy).toEqual(canary(40));
    } finally {
      watch.close();
    }
  });

  it("close() saves the revision this process runs at once, not after the save delay", async () => {
    const errors: OutriggerNodeError[] = [];
    const plane = new ControlPlane("client", { stateDir: dir, saveDelayMs: 60_000 }, hostFor(errors));
    for (let revision = 1; revision <= 3; revision += 1) offer(plane, revision, canary(revision));
    await plane.close();
    const saved = JSON.parse(await readFile(policyFilePath(dir, "orders"), "utf8"));
    expect(saved).toMatchObject({ service: "ORDERS", revision: 3, policy: canary(3) });
    expect(errors).toEqual([]);
  });

  it("a save that fails is reported as OUTRIGGER_POLICY_SAVE_FAILED; the revision keeps running", async () => {
    const errors: OutriggerNodeError[] = [];
    // The state directory's parent is a regular file: the write fails (ENOTDIR) whoever runs the test.
    await writeFile(join(dir, "blocker"), "not a directory");
    const plane = new ControlPlane("client", { stateDir: join(dir, "blocker", "state") }, hostFor(errors));
    const applied: PolicyApplyEvent[] = [];
    plane.onApply((event) => applied.push(event));
    offer(plane, 1, canary(5));
    await plane.saved();
    expect(applied).toMatchObject([{ revision: 1, status: "ACK" }]);
    expect(plane.revision("orders")).toBe(1);
    expect(plane.snapshot("orders")?.revision).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(["OUTRIGGER_POLICY_SAVE_FAILED"]);
    expect(errors[0]?.message).toContain("runs but was not saved");
    await plane.close();
  });

  it("refuses a save delay outside 0–60 000 ms with OUTRIGGER_INVALID_OPTION", () => {
    expect(() => new ControlPlane("client", { stateDir: dir, saveDelayMs: -1 }, hostFor([]))).toThrow(
      expect.objectContaining({ code: "OUTRIGGER_INVALID_OPTION" }),
    );
    expect(() => new ControlPlane("client", { stateDir: dir, saveDelayMs: 61_000 }, hostFor([]))).toThrow(
      /controlPlane\.saveDelayMs/,
    );
  });

  it("a saved 'no policy' (revision 0: the registry had none) starts with nothing to apply and no error", async () => {
    // Found running the bench: a client whose registry had no policy saved revision 0, and its next start reported
    // OUTRIGGER_POLICY_REJECTED ("revision: must be a whole number ≥ 1") for its own file.
    const errors: OutriggerNodeError[] = [];
    // What a process saves when the registry's answer has no policy for the service.
    await writePolicyFile(dir, { service: "ORDERS", revision: 0, policy: null });
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const { port } = down.address() as AddressInfo;
    await new Promise((resolve) => down.close(resolve));
    const watch = new RegistryWatchInstancer({ registryUrl: `http://127.0.0.1:${port}/eureka`, service: "orders" });
    // The first-answer gate waits for the file and the registry's failure (not for a timer): then every report is in.
    const restarted = new ControlPlane("client", { stateDir: dir }, { ...hostFor(errors), waitMs: () => 30_000 });
    try {
      restarted.track("orders", watch);
      await restarted.ready("orders");
      expect(errors).toEqual([]);
      expect(restarted.revision("orders")).toBe(0);
    } finally {
      watch.close();
      await restarted.close();
    }
  });
});
