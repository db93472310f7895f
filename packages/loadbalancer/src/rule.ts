import type { ServiceInstance } from "@outrigger/discovery";
import type { InstanceView } from "./instance-view.js";

/** What a rule may consult besides the candidates: read-only views of the instances, the time, the request. */
export interface RuleContext {
  /** Now, on the balancer's clock (ms). */
  readonly now: number;
  /** Read-only view of an instance the balancer knows (every candidate has one). */
  stats(id: string): InstanceView;
  /** True while the outlier detector keeps `id` out (always false without outlier detection). */
  isEjected(id: string): boolean;
  /** Every UP instance, before ejection and retry filtering (zone rules size zones with it). */
  readonly all: readonly ServiceInstance[];
  /** The request's key, for consistent hashing. */
  readonly key?: string | undefined;
  /**
   * True when the pick is for a retry of a request. A rule with shared state (round robin's position) must not
   * move it for a retry, or the instances after a failing one get an uneven share of first attempts.
   */
  readonly retry: boolean;
}

/** Chooses one instance among candidates (never empty when a rule is called); reads, never writes, instance state. */
export interface Rule {
  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance;
}

/** Candidates the outlier detector has not ejected; all of them when every one is (better some than none). */
export function notTripped(candidates: readonly ServiceInstance[], context: RuleContext): readonly ServiceInstance[] {
  const fine = candidates.filter((c) => !context.isEjected(c.id));
  return fine.length > 0 ? fine : candidates;
}
