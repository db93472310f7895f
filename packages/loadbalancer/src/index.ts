export { type AvailabilityFilteringOptions, AvailabilityFilteringRule } from "./availability-filtering.js";
export {
  type Balancer,
  type BalancerOptions,
  createBalancer,
  type Ejection,
  type Outcome,
  type Pick,
  type PickOptions,
  type StatefulBalancer,
} from "./balancer.js";
export { type BestAvailableOptions, BestAvailableRule } from "./best-available.js";
export {
  type EjectionMessage,
  type HealthMessage,
  lbChannels,
  type OutcomeMessage,
  type PickMessage,
  type RetryMessage,
} from "./channels.js";
export { type Clock, type Random, seededRandom } from "./clock.js";
export { type ConsistentHashOptions, ConsistentHashRule, hash32 } from "./consistent-hash.js";
export { isLbError, LbError, type LbErrorCode } from "./errors.js";
export {
  type CheckResult,
  createHealthChecker,
  type HealthChange,
  type HealthChecker,
  type HealthCheckOptions,
} from "./health-checker.js";
export { httpProbe, type Probe, type ProbeResult, type StatusRange } from "./http-probe.js";
export { DEFAULT_DECAY_MS, DEFAULT_RTT_MS, InstanceStats, type StatsOptions } from "./instance-stats.js";
export { isLbUrl, type LbUrl, parseLbUrl } from "./lb-url.js";
export { type LoadMetric, leastRequest, peakEwma } from "./load-metric.js";
export {
  type EjectionReason,
  OutlierDetector,
  type OutlierOptions,
} from "./outlier-detector.js";
export { type P2cOptions, P2cRule, PEAK_EWMA_TIE_TOLERANCE, p2cLeastRequest, p2cPeakEwma } from "./p2c.js";
export { PeakEwma } from "./peak-ewma.js";
export { type RandomOptions, RandomRule } from "./random-rule.js";
export { type RoundRobinOptions, RoundRobinRule } from "./round-robin.js";
export { notTripped, type Rule, type RuleContext } from "./rule.js";
export { type SlowStartOptions, SlowStartRule, slowStartFactor } from "./slow-start.js";
export { type StaticWeightOptions, StaticWeightRule, staticWeight } from "./static-weight.js";
export { tcpProbe } from "./tcp-probe.js";
export { type WeightedResponseTimeOptions, WeightedResponseTimeRule } from "./weighted-response-time.js";
export { type ZoneAvoidanceOptions, ZoneAvoidanceRule } from "./zone-avoidance.js";
export { type ZonePreferenceOptions, ZonePreferenceRule } from "./zone-preference.js";
