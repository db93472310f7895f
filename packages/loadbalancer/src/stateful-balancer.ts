import type { Event } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type { HealthChange, HealthChecker, HealthCheckOptions } from "./health-checker.js";
import type { InstanceSnapshot } from "./instance-view.js";
import type { EjectionReason, OutlierOptions } from "./outlier-detector.js";
import type { Balancer, Pick, PickOptions } from "./pick.js";
import type { Rule } from "./rule.js";
import type { RuleSpec } from "./rule-spec.js";

/** An ejection, as the balancer's `onEjection` event reports it. */
export interface Ejection {
  readonly instance: ServiceInstance;
  readonly reason: EjectionReason;
  readonly durationMs: number;
}

/** A balancer that also exposes what it has seen, and takes a new rule live. */
export interface StatefulBalancer extends Balancer {
  /** What the balancer knows of an instance, or undefined for an unknown one. */
  stats(id: string): InstanceSnapshot | undefined;
  /** Replaces the rule for the next picks; per-instance stats and ejections stay. A spec is checked first. */
  setRule(rule: Rule | RuleSpec): void;
  /**
   * Applies new outlier-detection settings (`false` turns it off); per-instance stats, requests in flight and
   * ejections stay (an instance ejected now stays ejected until its ejection ends). Checked first: LB_INVALID_OPTION
   * changes nothing.
   */
  setOutlierDetection(options: OutlierOptions | boolean): void;
  /**
   * Replaces the active health checks (`false` turns them off): the new checker starts from healthy and probes at
   * once (probe streaks restart); stats, requests in flight and ejections stay. Checked first.
   */
  setHealthCheck(options: HealthCheckOptions | boolean): void;
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
  /** Whether an instance in service (not ejected; in panic, any eligible) is outside `avoid`: a retry may go there. */
  hasUntried(avoid: ReadonlySet<string>): boolean;
  /** Stops following the instancer and health checking; requests waiting for a slot keep their timeout. */
  close(): void;
}
