import type { Clock } from "@outrigger/core";
import type { Instancer } from "@outrigger/discovery";
import type { Filter } from "./filters.js";
import type { HealthCheckOptions } from "./health-checker.js";
import type { PanicMode } from "./in-service.js";
import type { StatsOptions } from "./instance-stats.js";
import type { OutlierOptions } from "./outlier-detector.js";
import type { Random } from "./random.js";
import type { Rule } from "./rule.js";
import type { RuleSpec } from "./rule-spec.js";

/** What to do when too few instances are in service; Envoy's `healthy_panic_threshold` and `fail_traffic_on_panic`. */
export interface PanicOptions {
  /** Below this percent of (actively healthy) instances not ejected, the balancer panics (Envoy: 50). */
  readonly thresholdPercent?: number;
  /** `use-all` (default, Envoy's): spread over every instance, ejected or not. `fail`: throw LB_PANIC at once. */
  readonly mode?: PanicMode;
}

/** Settings of a balancer. */
export interface BalancerOptions {
  readonly instancer: Instancer;
  /** A rule, or a rule spec such as `{ name: "p2c-peak-ewma" }` (see `ruleFromSpec`). Default: round robin. */
  readonly rule?: Rule | RuleSpec;
  /** Passive health checking, on by default with Envoy's defaults; `false` turns it off. */
  readonly outlierDetection?: OutlierOptions | boolean;
  /** What happens when too few instances are in service (default: Envoy's, use all below 50%). */
  readonly panic?: PanicOptions;
  /**
   * Active health checking (HTTP probes on each instance); `true` for the defaults, omitted for none. Instances
   * failing it get no requests; with outlier detection, an ejected instance returns only once its probes pass.
   */
  readonly healthCheck?: HealthCheckOptions | boolean;
  /** More filters, run after retry avoidance and before the in-flight cap (e.g. `zoneFilter({ zone })`). */
  readonly filters?: readonly Filter[];
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
  /** Injectable for tests (default: `@outrigger/core`'s monotonic clock). */
  readonly clock?: Clock;
  /** Draws the priority level of a pick when instances have several (`ServiceInstance.priority`); default `Math.random`. */
  readonly random?: Random;
}
