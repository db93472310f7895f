export { type Random, seededRandom } from "@outrigger/core";
export { type AvailabilityFilteringOptions, AvailabilityFilteringRule } from "./availability-filtering.js";
export { createBalancer } from "./balancer.js";
export type { BalancerOptions, PanicOptions } from "./balancer-options.js";
export { type BestAvailableOptions, BestAvailableRule } from "./best-available.js";
export {
  type AttemptEndMessage,
  type AttemptMessage,
  type CallEndMessage,
  type CallMessage,
  type EjectionMessage,
  type HealthMessage,
  lbChannels,
  lbTraceChannels,
  type OutcomeMessage,
  type PickMessage,
  type RetryMessage,
} from "./channels.js";
export { type ConsistentHashOptions, ConsistentHashRule } from "./consistent-hash.js";
export { isLbError, LbError, type LbErrorCode } from "./errors.js";
export { type Filter, type FilterRequest, type ZoneFilterOptions, zoneFilter } from "./filters.js";
export {
  type CheckResult,
  createHealthChecker,
  type HealthChange,
  type HealthChecker,
  type HealthCheckOptions,
} from "./health-checker.js";
export { httpProbe, type Probe, type ProbeResult, type StatusRange } from "./http-probe.js";
export type { PanicMode } from "./in-service.js";
export type { StatsOptions } from "./instance-stats.js";
export type { InstanceSnapshot, InstanceView } from "./instance-view.js";
export { createLbCall, type LbCall } from "./lb-call.js";
export { instanceUrl, isLbUrl, type LbUrl, parseLbUrl } from "./lb-url.js";
export { type LoadMetric, leastRequest, peakEwma } from "./load-metric.js";
export type { FailureReason, Outcome } from "./outcome.js";
export type { EjectionReason, OutlierOptions } from "./outlier-detector.js";
export { type P2cOptions, P2cRule, p2cLeastRequest, p2cPeakEwma } from "./p2c.js";
export type { Balancer, Pick, PickOptions } from "./pick.js";
export { type RandomOptions, RandomRule } from "./random-rule.js";
export { type RoundRobinOptions, RoundRobinRule } from "./round-robin.js";
export type { Rule, RuleContext } from "./rule.js";
export { type RuleSpec, ruleFromSpec } from "./rule-spec.js";
export { type SlowStartOptions, SlowStartRule } from "./slow-start.js";
export type { Ejection, StatefulBalancer } from "./stateful-balancer.js";
export { type StaticWeightOptions, StaticWeightRule } from "./static-weight.js";
export { tcpProbe } from "./tcp-probe.js";
export { type WeightedResponseTimeOptions, WeightedResponseTimeRule } from "./weighted-response-time.js";
export { type ZoneAvoidanceOptions, ZoneAvoidanceRule } from "./zone-avoidance.js";
export { type ZonePreferenceOptions, ZonePreferenceRule } from "./zone-preference.js";
