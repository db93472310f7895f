import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import type { BalancerOptions } from "./balancer-options.js";
import { isLbError } from "./errors.js";
import { OutlierDetector } from "./outlier-detector.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Ejection } from "./stateful-balancer.js";
import { instance } from "./test-support.js";

function setup(n: number, extra: Partial<BalancerOptions> = {}) {
  let now = 0;
  const fleet = Array.from({ length: n }, (_, i) => instance(`i${i}`));
  const balancer = createBalancer({
    instancer: new FixedInstancer(fleet),
    rule: new RoundRobinRule({ random: () => 0 }),
    clock: { now: () => now },
    ...extra,
  });
  const ejections: Ejection[] = [];
  balancer.onEjection((e) => ejections.push(e));
  /** Sends one request; `fail(id)` decides its outcome (a 503, or a 200). */
  const send = (fail: (id: string) => boolean): string => {
    const pick = balancer.pick();
    const bad = fail(pick.instance.id);
    pick.done(
      bad ? { kind: "failure", reason: "status", status: 503, rttMs: 1 } : { kind: "success", status: 200, rttMs: 1 },
    );
    return pick.instance.id;
  };
  return { balancer, ejections, send, advance: (ms: number) => (now += ms) };
}

describe("outlier detection: Envoy's defaults and rules", () => {
  // envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc (DetectorConfig) and
  // api/envoy/config/cluster/v3/outlier_detection.proto: the defaults, under Envoy's names.
  it("has Envoy's defaults", () => {
    expect(new OutlierDetector().settings).toEqual({
      consecutive5xx: 5,
      intervalMs: 10_000,
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 300_000,
      maxEjectionPercent: 10,
      successRateMinimumHosts: 5,
      successRateRequestVolume: 100,
      successRateStdevFactor: 1900,
      alwaysEjectOneHost: true,
      countRetriedAttempts: true,
    });
  });

  it("is on by default: five 5xx in a row eject for 30 s, then the instance is back", () => {
    const { ejections, send, advance } = setup(4);
    for (let i = 0; i < 20; i++) send((id) => id === "i0");
    expect(ejections.map((e) => [e.instance.id, e.reason, e.durationMs])).toEqual([["i0", "consecutive-5xx", 30_000]]);
    expect(Array.from({ length: 12 }, () => send(() => false))).not.toContain("i0");
    advance(30_001);
    expect(Array.from({ length: 4 }, () => send(() => false))).toContain("i0");
  });

  it("gives an ejected instance no retry either: with the others tried, the retry has nowhere to go", () => {
    // Envoy leaves an ejected host out of every pick but in panic, retries included; HAProxy redispatches to UP
    // servers only. Before 2026-12-02 a retry fell back to an untried ejected instance, which kept it loaded — the
    // symptom of envoyproxy/envoy#18950 ("keeps sending requests to the host" after it was ejected).
    const { balancer, ejections, send } = setup(3, { outlierDetection: { maxEjectionPercent: 100 } });
    for (let i = 0; i < 15; i++) send((id) => id === "i0");
    expect(ejections.map((e) => e.instance.id)).toEqual(["i0"]);
    const tried = new Set(["i1", "i2"]);
    expect(balancer.hasUntried(tried)).toBe(false);
    let caught: unknown;
    try {
      balancer.pick({ avoid: tried, untriedOnly: true });
    } catch (error) {
      caught = error;
    }
    expect(isLbError(caught) && caught.code).toBe("LB_ALL_INSTANCES_TRIED");
    // Without untriedOnly the retry goes back to an instance in service, never to the ejected one.
    const again = new Set(Array.from({ length: 6 }, () => balancer.pick({ avoid: tried }).instance.id));
    expect(again.has("i0")).toBe(false);
  });

  it("lengthens each ejection by the base time, up to max_ejection_time", () => {
    const { ejections, send, advance } = setup(4, {
      outlierDetection: { baseEjectionTimeMs: 1000, maxEjectionTimeMs: 2500, intervalMs: 1e9 },
    });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 24; i++) send((id) => id === "i0");
      advance(3000);
    }
    expect(ejections.map((e) => e.durationMs)).toEqual([1000, 2000, 2500, 2500]);
  });

  it("ejects on success rate below mean − 1.9 σ at the interval's end, among ≥ 5 hosts with ≥ 100 requests", () => {
    const { ejections, send, advance } = setup(6, { outlierDetection: { consecutive5xx: 1000 } });
    let n = 0;
    // i5 fails every other request; the others never do. Not in a row long enough for consecutive-5xx.
    for (let i = 0; i < 6 * 120; i++) send((id) => id === "i5" && n++ % 2 === 0);
    expect(ejections).toEqual([]);
    advance(10_000);
    send(() => false);
    expect(ejections.map((e) => [e.instance.id, e.reason])).toEqual([["i5", "success-rate"]]);
  });

  it("ejects no more than max_ejection_percent, the first always (alwaysEjectOneHost)", () => {
    const capped = setup(4);
    for (let i = 0; i < 80; i++) capped.send((id) => id !== "i3");
    // 10% of 4: the first ejection is allowed (25% > 10%, but the first), the second is not (50% > 10%).
    expect(capped.ejections.length).toBe(1);
    const wide = setup(4, { outlierDetection: { maxEjectionPercent: 50 } });
    for (let i = 0; i < 80; i++) wide.send((id) => id !== "i3");
    expect(wide.ejections.length).toBe(2);
  });

  it("rejects a bad option with LB_INVALID_OPTION naming it", () => {
    expect(() => setup(2, { outlierDetection: { maxEjectionPercent: 150 } })).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION", message: expect.stringContaining("maxEjectionPercent") }),
    );
    // A config file's "false" is a string: refused, not read as true.
    const flag = { countRetriedAttempts: "false" as unknown as boolean };
    expect(() => setup(2, { outlierDetection: flag })).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION", message: expect.stringContaining("countRetriedAttempts") }),
    );
  });
});

describe("countRetriedAttempts: which retried failures count (HAProxy's observe layer7 when false)", () => {
  // haproxy/haproxy src/http_ana.c http_wait_for_response (an L7 retry returns before health_adjust) and
  // src/backend.c back_handle_st_cer (a connection failure is judged before the retry).
  const retried = (reason: "status" | "timeout" | "connect" | "reset") =>
    ({ kind: "failure", reason, rttMs: 1, retried: true }) as const;

  it("false: a retried status or timeout counts neither as a failure nor as a success; connect and reset count", () => {
    const detector = new OutlierDetector({ consecutive5xx: 2, countRetriedAttempts: false });
    const ids = ["a", "b"];
    detector.record("a", { kind: "failure", reason: "status", status: 503, rttMs: 1 }, ids, 0);
    detector.record("a", retried("status"), ids, 0);
    detector.record("a", retried("timeout"), ids, 0);
    // Not a success either: the failure before them still stands.
    expect(detector.state("a", 0).consecutiveFailures).toBe(1);
    expect(detector.record("b", retried("connect"), ids, 0)).toEqual([]);
    expect(detector.record("b", retried("reset"), ids, 0)).toEqual([
      { id: "b", reason: "consecutive-5xx", durationMs: 30_000 },
    ]);
  });

  it("true (default): a retried failure counts as any other", () => {
    const detector = new OutlierDetector({ consecutive5xx: 2 });
    detector.record("a", retried("status"), ["a"], 0);
    expect(detector.record("a", retried("timeout"), ["a"], 0).map((e) => e.id)).toEqual(["a"]);
  });

  it("applies live: setOutlierDetection switches the rule and keeps the failures counted so far", () => {
    const { balancer } = setup(1, { outlierDetection: { consecutive5xx: 3 } });
    balancer.pick().done({ kind: "failure", reason: "status", status: 503, rttMs: 1 });
    balancer.setOutlierDetection({ consecutive5xx: 3, countRetriedAttempts: false });
    balancer.pick().done(retried("status"));
    expect(balancer.stats("i0")?.consecutiveFailures).toBe(1);
    balancer.setOutlierDetection({ consecutive5xx: 3 });
    balancer.pick().done(retried("status"));
    expect(balancer.stats("i0")?.consecutiveFailures).toBe(2);
  });
});

describe("panic: when too few instances are in service", () => {
  const allFail = (n: number, panic?: BalancerOptions["panic"]) => {
    const s = setup(n, { outlierDetection: { maxEjectionPercent: 100 }, ...(panic ? { panic } : {}) });
    for (let i = 0; i < 5 * n; i++) s.send(() => true);
    return s;
  };

  it("uses every instance by default (Envoy's healthy_panic_threshold 50%)", () => {
    const { balancer, ejections, send } = allFail(2);
    expect(ejections.length).toBe(2);
    expect(balancer.stats("i0")?.ejected).toBe(true);
    expect(new Set(Array.from({ length: 4 }, () => send(() => false)))).toEqual(new Set(["i0", "i1"]));
  });

  it('fails fast with LB_PANIC when panic.mode is "fail" (Envoy\'s fail_traffic_on_panic)', () => {
    const { balancer } = allFail(2, { mode: "fail" });
    let caught: unknown;
    try {
      balancer.pick();
    } catch (error) {
      caught = error;
    }
    expect(isLbError(caught) && caught.code).toBe("LB_PANIC");
  });

  it("does not panic above the threshold: one of three ejected leaves two in service", () => {
    const { ejections, send } = setup(3, { outlierDetection: { maxEjectionPercent: 100 }, panic: { mode: "fail" } });
    for (let i = 0; i < 15; i++) send((id) => id === "i0");
    expect(ejections.length).toBe(1);
    expect(Array.from({ length: 6 }, () => send(() => false))).not.toContain("i0");
  });
});
