import type { ServiceInstance } from "@outrigger/discovery";

/** Chooses one instance among healthy candidates; candidates are never empty when a rule is called. */
export interface Rule {
  choose(candidates: readonly ServiceInstance[]): ServiceInstance;
}
