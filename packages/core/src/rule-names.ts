/**
 * The balancing rule names of `@outrigger/loadbalancer`'s `ruleFromSpec`, the one list every package reads: the
 * rule-spec type, the SDK's config schema and the control plane's policy schema all name a rule from here, so a
 * rule added to the load balancer is known everywhere at once (and a name nobody builds fails to type-check there).
 */
export const RULE_NAMES = [
  "round-robin",
  "random",
  "p2c-least-request",
  "p2c-peak-ewma",
  "weighted-response-time",
  "best-available",
  "consistent-hash",
  "static-weight",
  "availability-filtering",
  "zone-avoidance",
  "zone-preference",
  "slow-start",
] as const;

/** One balancing rule's name (see `RULE_NAMES`). */
export type RuleName = (typeof RULE_NAMES)[number];
