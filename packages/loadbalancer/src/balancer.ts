import { type Event, EventSource, type Instancer, type ServiceInstance } from "@outrigger/discovery";
import { lbChannels, publish } from "./channels.js";
import { type Clock, systemClock } from "./clock.js";
import { LbError } from "./errors.js";
import { InstanceStats, type StatsOptions } from "./instance-stats.js";
import { type EjectionReason, OutlierDetector, type OutlierOptions } from "./outlier-detector.js";
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
}

/** A balancer that also exposes what it has seen. */
export interface StatefulBalancer extends Balancer {
  /** Stats of a known instance, or undefined. */
  stats(id: string): InstanceStats | undefined;
  /** Fires when the outlier detector ejects an instance. */
  readonly onEjection: Event<Ejection>;
  /** Stops following the instancer. */
  close(): void;
}

/** Settings of a balancer. */
export interface BalancerOptions {
  readonly instancer: Instancer;
  /** Default: round robin. */
  readonly rule?: Rule;
  /** Passive health checking; `true` for the defaults, omitted for none. */
  readonly outlierDetection?: OutlierOptions | boolean;
  /** Latency averages' decay and new instances' default RTT. */
  readonly stats?: StatsOptions;
  /** Injectable for tests (default: performance.now). */
  readonly clock?: Clock;
}

/**
 * A balancer over an instancer's snapshots: UP instances → outlier ejection (all of them in panic mode) →
 * retry avoidance → the rule. It keeps per-instance stats across snapshots, so a discovery refresh does not
 * reset what it learnt; instances that join later are stamped for slow start.
 */
export function createBalancer(options: BalancerOptions): StatefulBalancer {
  const rule = options.rule ?? new RoundRobinRule();
  const clock = options.clock ?? systemClock;
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

  // The instances in service, recomputed only when an ejection starts or ends, so a pick stays O(1) for rules
  // that are (P2C, round robin) even with a thousand instances.
  let inService: readonly ServiceInstance[] | undefined;
  let inServiceUntil = Number.POSITIVE_INFINITY;
  const inServiceAt = (now: number): readonly ServiceInstance[] => {
    if (!detector) return up;
    if (inService && now < inServiceUntil) return inService;
    const kept: ServiceInstance[] = [];
    inServiceUntil = Number.POSITIVE_INFINITY;
    for (const i of up) {
      const s = statsOf(i.id);
      if (s.isEjected(now)) inServiceUntil = Math.min(inServiceUntil, s.ejectedUntil);
      else kept.push(i);
    }
    // Panic mode: with too few in service, spread over all rather than crush the survivors.
    const panic = (kept.length / Math.max(up.length, 1)) * 100 < detector.panicThresholdPercent;
    inService = panic ? up : kept;
    return inService;
  };

  const sync = (instances: readonly ServiceInstance[], initial: boolean): void => {
    inService = undefined;
    const now = clock();
    up = instances.filter((i) => i.status === "UP");
    const seen = new Set<string>();
    for (const i of up) {
      seen.add(i.id);
      if (!table.has(i.id))
        table.set(i.id, new InstanceStats(initial ? Number.NEGATIVE_INFINITY : now, now, options.stats));
    }
    for (const id of [...table.keys()]) if (!seen.has(id)) table.delete(id);
    list = up.map((i) => table.get(i.id) as InstanceStats);
  };
  sync(options.instancer.current().instances, true);
  const subscription = options.instancer.onChange((snapshot) => sync(snapshot.instances, false));

  /** Healthy untried instances; else untried ejected ones; else (unless untriedOnly) all healthy ones. */
  const candidates = (healthy: readonly ServiceInstance[], pickOptions: PickOptions): readonly ServiceInstance[] => {
    const avoid = pickOptions.avoid;
    if (!avoid || avoid.size === 0) return healthy.length > 0 ? healthy : up;
    const fresh = healthy.filter((i) => !avoid.has(i.id));
    if (fresh.length > 0) return fresh;
    const untried = up.filter((i) => !avoid.has(i.id));
    if (untried.length > 0) return untried;
    if (pickOptions.untriedOnly) {
      throw new LbError(
        "LB_ALL_INSTANCES_TRIED",
        "Every instance was tried for this request: nothing left to retry on",
      );
    }
    return healthy.length > 0 ? healthy : up;
  };

  const statsOf = (id: string): InstanceStats => table.get(id) as InstanceStats;

  return {
    onEjection: ejections.event,
    stats: (id) => table.get(id),
    close: () => subscription.dispose(),
    pick(pickOptions: PickOptions = {}): Pick {
      if (up.length === 0) {
        throw new LbError("LB_NO_INSTANCES", "No UP instance to send to: check the service's registrations");
      }
      const now = clock();
      const healthy = inServiceAt(now);
      const context: RuleContext = { now, stats: statsOf, all: up, key: pickOptions.key };
      const instance = rule.choose(candidates(healthy, pickOptions), context);
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
          if (!detector || outcome.cancelled || table.get(instance.id) !== stats) return;
          const reason = detector.judge(stats, list, end);
          if (!reason) return;
          inService = undefined;
          const ejection: Ejection = { instance, reason, durationMs: stats.ejectedUntil - end };
          ejections.emit(ejection);
          publish(lbChannels.ejection, ejection);
        },
      };
    },
  };
}
