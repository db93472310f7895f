export {
  type Balancer,
  type BalancerOptions,
  createBalancer,
  type Outcome,
  type Pick,
  type PickOptions,
} from "./balancer.js";
export { isLbError, LbError, type LbErrorCode } from "./errors.js";
export { isLbUrl, type LbUrl, parseLbUrl } from "./lb-url.js";
export { type RoundRobinOptions, RoundRobinRule } from "./round-robin.js";
export type { Rule } from "./rule.js";
