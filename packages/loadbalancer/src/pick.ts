import type { ServiceInstance } from "@outrigger/discovery";
import type { Outcome } from "./outcome.js";

/** A chosen instance and the call that reports how the request to it went (only the first call counts). */
export interface Pick {
  readonly instance: ServiceInstance;
  done(outcome: Outcome): void;
}

/** What a caller can ask of one pick. */
export interface PickOptions {
  /** Instance ids to avoid (ones a retry already tried, or drained ones); ignored when nothing else is left. */
  readonly avoid?: ReadonlySet<string>;
  /**
   * The attempt this pick is for, 1 for the first. A retry's pick (2 and up) does not move round robin's position.
   * Default: 2 when `untriedOnly` is set (only retries ask for it), else 1.
   */
  readonly attempt?: number;
  /** The request's key, for consistent hashing. */
  readonly key?: string;
  /** Throw LB_ALL_INSTANCES_TRIED rather than fall back to an avoided instance (retries use it). */
  readonly untriedOnly?: boolean;
}

/** Picks an instance of one service for each request. */
export interface Balancer {
  pick(options?: PickOptions): Pick;
  /**
   * Like `pick`, but may wait (bounded) where `pick` throws: when every instance is at its in-flight cap instead of
   * LB_INSTANCES_BUSY, or for a balancer's own reasons (discovery's first answer). The clients try `pick` first and,
   * when it throws an LbError, go by `acquire`'s answer. `signal` ends the wait.
   */
  acquire?(options?: PickOptions, signal?: AbortSignal): Promise<Pick>;
  /**
   * Whether a retry's pick avoiding `avoid` (`untriedOnly`) would find an instance now; false when it would throw
   * LB_ALL_INSTANCES_TRIED. The clients ask it after a failed attempt they will retry, to tell a failure retried
   * elsewhere from the one the call keeps (outlier detection's `countRetriedAttempts`); without it every failure
   * is reported as kept. A balancer wrapping another forwards it.
   */
  hasUntried?(avoid: ReadonlySet<string>): boolean;
  /**
   * The name of the rule picking now, for telemetry (the `outrigger.rule` span attribute): a spec's `name`
   * (`"round-robin"`, `"p2c-peak-ewma"`, the outer one of wrapping rules), `"custom"` for a Rule object.
   */
  readonly ruleName?: string;
}
