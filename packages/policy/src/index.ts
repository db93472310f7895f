export {
  adaptiveLimitSchema,
  breakerSchema,
  bulkheadSchema,
  type ClientPolicy,
  clientPolicySchema,
  clientPolicyShape,
  fallbackSchema,
  healthCheckSchema,
  hedgeSchema,
  outlierSchema,
  rateLimitSchema,
  retrySchema,
  ruleSchema,
  timeoutSchema,
} from "./client-policy.js";
export { DURATION_HINT, MAX_DURATION_MS, parseDuration } from "./duration.js";
export { checkServicePolicy, MAX_POLICY_DEPTH, type PolicyCheck } from "./parse.js";
export { type PolicyUpdate, readPolicyRecord } from "./policy-record.js";
export { MAX_REGEX_LENGTH, unsafeRegexReason } from "./safe-regex.js";
export {
  type DestinationPolicy,
  destinationPolicySchema,
  type PolicyRoute,
  type RouteMatch,
  routeMatchSchema,
  routeSchema,
  type ServicePolicy,
  type StringMatch,
  servicePolicySchema,
  stringMatchSchema,
  subsetOverrideSchema,
  subsetSchema,
} from "./service-policy.js";
