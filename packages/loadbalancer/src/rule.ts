import type { ServiceInstance } from "@outrigger/discovery";
import type { InstanceStats } from "./instance-stats.js";

/** What a rule may consult besides the candidates: per-instance stats, the time, the request's key. */
export interface RuleContext {
  /** Now, on the balancer's clock. */
  readonly now: number;
  /** Stats of an instance the balancer knows (every candidate has some). */
  stats(id: string): InstanceStats;
  /** Every UP instance, before ejection and retry filtering (zone rules size zones with it). */
  readonly all: readonly ServiceInstance[];
  /** The request's key, for consistent hashing. */
  readonly key?: string;
}

/** Chooses one instance among healthy candidates; candidates are never empty when a rule is called. */
export interface Rule {
  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance;
}

/** Candidates the outlier detector has not ejected; all of them when every one is (better some than none). */
export function notTripped(candidates: readonly ServiceInstance[], context: RuleContext): readonly ServiceInstance[] {
  const fine = candidates.filter((c) => !context.stats(c.id).isEjected(context.now));
  return fine.length > 0 ? fine : candidates;
}
