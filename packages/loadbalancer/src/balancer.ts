import { type Event, EventSource, type Instancer, type ServiceInstance } from "@outrigger/discovery";
import { ActiveHealth } from "./active-health.js";
import { lbChannels, publish } from "./channels.js";
import { type Clock, systemClock } from "./clock.js";
import { LbError, requireNumber } from "./errors.js";
import {
  createHealthChecker,
  type HealthChange,
  type HealthChecker,
  type HealthCheckOptions,
} from "./health-checker.js";
import { InstanceStats, type StatsOptions } from "./instance-stats.js";
import { type EjectionReason, OutlierDetector, type OutlierOptions } from "./outlier-detector.js";
import { PickQueue } from "./pick-queue.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule, RuleContext } from "./rule.js";

/** How one request to a picked instance went; feeds load metrics and stats. */
export interface Outcome {
  readonly ok: boolean;
  readonly status?: number;
  readonly rttMs?: number;
  /** The caller gave up (not the instance's fault): only the in-flight count changes. */
  readonly cancelled?: boolean;
}

/** A chosen instance and the call that reports how the request to it went (only the first call counts). */
export interface Pick {
  readonly instance: ServiceInstance;
  done(outcome: Outcome): void;
}

/** What a caller can ask of one pick. */
export interface PickOptions {
  /** Instance ids to avoid (e.g. ones a retry already tried); ignored when nothing else is left. */
  readonly avoid?: ReadonlySet<string>;
  /** The request's key, for consistent hashing. */
  readonly key?: string;
  /** Throw LB_ALL_INSTANCES_TRIED rather than fall back to an avoided instance (retries use it). */
  readonly untriedOnly?: boolean;
}

/** An ejection, as the balancer's `onEjection` event reports it. */
export interface Ejection {
  readonly instance: ServiceInstance;
  readonly reason: EjectionReason;
  readonly durationMs: number;
}

/** Picks an instance of one service for each request. */
export interface Balancer {
  pick(options?: PickOptions): Pick;
  /**
   * Like `pick`, but waits (bounded) when every instance is at its in-flight cap instead of throwing
   * LB_INSTANCES_BUSY; `createLbAxios` uses it when present. `signal` ends the wait.
   */
  acquire?(options?: PickOptions, signal?: AbortSignal): Promise<Pick>;
}

/** A balancer that also exposes what it has seen. */
export interface StatefulBalancer extends Balancer {
  /** Stats of a known instance, or undefined. */
  stats(id: string): InstanceStats | undefined;
  /** Fires when the outlier detector ejects an instance. */
  readonly onEjection: Event<Ejection>;
  /** Fires when active checks mark an instance healthy again (never without `healthCheck`). */
  readonly onHealthy: Event<HealthChange>;
  /** Fires when active checks mark an instance unhealthy (never without `healthCheck`). */
  readonly onUnhealthy: Event<HealthChange>;
  /** The active health checker, when `healthCheck` is on. */
  readonly healthChecker: HealthChecker | undefined;
  /** Waits for a pick below the in-flight cap (see `maxInFlightPerInstance`). */
  acquire(options?: PickOptions, signal?: AbortSignal): Promise<Pick>;
  /** Stops following the instancer and health checking; requests waiting for a slot keep their timeout. */
  close(): void;
}

/** Settings of a balancer. */
export interface BalancerOptions {
  readonly instancer: Instancer;
  /** Default: round robin. */
  readonly rule?: Rule;
  /** Passive health checking; `true` for the defaults, omitted for none. */
  readonly outlierDetection?: OutlierOptions | boolean;
  /**
   * Active health checking (HTTP probes on each instance); `true` for the defaults, omitted for none. Instances
   * failing it get no requests; with outlier detection, an ejected instance returns only once its probes pass.
   */
  readonly healthCheck?: HealthCheckOptions | boolean;
  /**
   * Requests in flight one instance may have (Envoy's per-host `max_requests`, HAProxy's `maxconn`): instances at
   * the cap are skipped; when all are, `acquire` waits up to `queueTimeoutMs` and `pick` throws LB_INSTANCES_BUSY.
   */
  readonly maxInFlightPerInstance?: number;
  /** How long `acquire` waits for an instance below its cap before LB_QUEUE_TIMEOUT (default 1 s). */
  readonly queueTimeoutMs?: number;
  /** Requests that may wait at once before LB_QUEUE_FULL (default 1024, Envoy's `max_pending_requests`). */
  readonly maxQueued?: number;
  /** Latency averages' decay and new instances' default RTT. */
  readonly stats?: StatsOptions;
  /** Injectable for tests (default: performance.now). */
  readonly clock?: Clock;
}

/** Default wait for a free slot: HAProxy's `timeout queue` in the benchmark's sidecar, and a common choice. */
const QUEUE_TIMEOUT_MS = 1_000;
/** Envoy's default `max_pending_requests`: enough to ride out a burst, small enough to fail fast under overload. */
const MAX_QUEUED = 1_024;

function limits(options: BalancerOptions): { max: number; queue: PickQueue<Pick> } {
  const code = "LB_INVALID_LIMIT";
  const max = requireNumber(
    code,
    "maxInFlightPerInstance",
    options.maxInFlightPerInstance ?? Number.POSITIVE_INFINITY,
    1,
    options.maxInFlightPerInstance !== undefined,
  );
  const timeoutMs = requireNumber(code, "queueTimeoutMs", options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS, 0);
  return { max, queue: new PickQueue(timeoutMs, requireNumber(code, "maxQueued", options.maxQueued ?? MAX_QUEUED, 0)) };
}

/**
 * A balancer over an instancer's snapshots: UP instances → active health → outlier ejection (all of them in panic
 * mode) → retry avoidance → in-flight cap → the rule. It keeps per-instance stats across snapshots, so a discovery
 * refresh does not reset what it learnt; instances that join later are stamped for slow start.
 */
export function createBalancer(options: BalancerOptions): StatefulBalancer {
  const rule = options.rule ?? new RoundRobinRule();
  const clock = options.clock ?? systemClock;
  const { max, queue } = limits(options);
  const detector =
    options.outlierDetection === true
      ? new OutlierDetector()
      : options.outlierDetection
        ? new OutlierDetector(options.outlierDetection)
        : undefined;
  const ejections = new EventSource<Ejection>();
  const table = new Map<string, InstanceStats>();
  let up: readonly ServiceInstance[] = [];
  let list: InstanceStats[] = [];
  const statsOf = (id: string): InstanceStats => table.get(id) as InstanceStats;

  // The instances in service, recomputed only when an ejection or a health state starts or ends, so a pick stays
  // O(1) for rules that are (P2C, round robin) even with a thousand instances.
  let inService: readonly ServiceInstance[] | undefined;
  let eligible: readonly ServiceInstance[] = [];
  let inServiceUntil = Number.POSITIVE_INFINITY;
  const invalidate = (): void => {
    inService = undefined;
  };
  const active = options.healthCheck
    ? new ActiveHealth(
        createHealthChecker(options.instancer, options.healthCheck === true ? {} : options.healthCheck),
        (id) => table.get(id),
        clock,
        () => {
          invalidate();
          if (queue.size > 0) queue.drain();
        },
      )
    : undefined;
  const inServiceAt = (now: number): readonly ServiceInstance[] => {
    if (!detector && !active) return up;
    if (inService && now < inServiceUntil) return inService;
    const kept: ServiceInstance[] = [];
    const passing: ServiceInstance[] = [];
    inServiceUntil = Number.POSITIVE_INFINITY;
    for (const i of up) {
      if (active?.excludes(i.id)) continue;
      passing.push(i);
      const s = statsOf(i.id);
      if (s.isEjected(now)) inServiceUntil = Math.min(inServiceUntil, s.ejectedUntil);
      else kept.push(i);
    }
    // Retries fall back to untried ejected instances, never to ones failing active checks (unless all are).
    eligible = passing.length > 0 ? passing : up;
    // Panic mode: with too few in service, spread over all rather than crush the survivors.
    const panic = (kept.length / Math.max(up.length, 1)) * 100 < (detector?.panicThresholdPercent ?? 0);
    inService = panic ? up : kept;
    return inService;
  };

  const sync = (instances: readonly ServiceInstance[], initial: boolean): void => {
    invalidate();
    const now = clock();
    up = instances.filter((i) => i.status === "UP");
    eligible = up;
    const seen = new Set<string>();
    for (const i of up) {
      seen.add(i.id);
      if (!table.has(i.id))
        table.set(i.id, new InstanceStats(initial ? Number.NEGATIVE_INFINITY : now, now, options.stats));
    }
    for (const id of [...table.keys()]) if (!seen.has(id)) table.delete(id);
    active?.retain(seen);
    list = up.map((i) => table.get(i.id) as InstanceStats);
    if (!initial) queue.drain();
  };
  sync(options.instancer.current().instances, true);
  const subscription = options.instancer.onChange((snapshot) => sync(snapshot.instances, false));

  /** Healthy untried instances; else untried ejected ones; else (unless untriedOnly) all healthy ones. */
  const candidates = (healthy: readonly ServiceInstance[], pickOptions: PickOptions): readonly ServiceInstance[] => {
    const avoid = pickOptions.avoid;
    if (!avoid || avoid.size === 0) return healthy.length > 0 ? healthy : eligible;
    const fresh = healthy.filter((i) => !avoid.has(i.id));
    if (fresh.length > 0) return fresh;
    const untried = eligible.filter((i) => !avoid.has(i.id));
    if (untried.length > 0) return untried;
    if (pickOptions.untriedOnly) {
      throw new LbError(
        "LB_ALL_INSTANCES_TRIED",
        "Every instance was tried for this request: nothing left to retry on",
      );
    }
    return healthy.length > 0 ? healthy : eligible;
  };

  /** Candidates below the in-flight cap; LB_INSTANCES_BUSY when none is. */
  const belowCap = (from: readonly ServiceInstance[]): readonly ServiceInstance[] => {
    if (max === Number.POSITIVE_INFINITY) return from;
    const free = from.filter((i) => statsOf(i.id).active < max);
    if (free.length > 0) return free;
    throw new LbError(
      "LB_INSTANCES_BUSY",
      `Every candidate instance has ${max} requests in flight (maxInFlightPerInstance): use acquire() to wait, or raise the cap`,
    );
  };

  /** Lets the outlier detector judge an instance after an outcome; announces an ejection. */
  const judge = (instance: ServiceInstance, stats: InstanceStats, now: number): void => {
    const reason = detector?.judge(stats, list, now);
    if (!reason) return;
    invalidate();
    active?.ejected(instance.id);
    const ejection: Ejection = { instance, reason, durationMs: stats.ejectedUntil - now };
    ejections.emit(ejection);
    publish(lbChannels.ejection, ejection);
  };

  const pick = (pickOptions: PickOptions = {}): Pick => {
    if (up.length === 0) {
      throw new LbError("LB_NO_INSTANCES", "No UP instance to send to: check the service's registrations");
    }
    const now = clock();
    const healthy = inServiceAt(now);
    const context: RuleContext = { now, stats: statsOf, all: up, key: pickOptions.key };
    const instance = rule.choose(belowCap(candidates(healthy, pickOptions)), context);
    const stats = statsOf(instance.id);
    stats.start();
    publish(lbChannels.pick, { instance });
    let finished = false;
    return {
      instance,
      done(outcome: Outcome): void {
        if (finished) return;
        finished = true;
        const end = clock();
        stats.end(outcome, end);
        publish(lbChannels.outcome, { instance, outcome });
        if (!outcome.cancelled && table.get(instance.id) === stats) judge(instance, stats, end);
        // After judging, so a waiter is not handed the slot of an instance that was just ejected.
        if (queue.size > 0) queue.drain(1);
      },
    };
  };

  const never = new EventSource<HealthChange>().event;
  return {
    onEjection: ejections.event,
    onHealthy: active?.checker.onHealthy ?? never,
    onUnhealthy: active?.checker.onUnhealthy ?? never,
    healthChecker: active?.checker,
    stats: (id) => table.get(id),
    close: () => {
      subscription.dispose();
      active?.close();
    },
    pick,
    acquire: (pickOptions, signal) => queue.acquire(() => pick(pickOptions), signal),
  };
}
