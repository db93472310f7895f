import type { PolicyName, PolicySource } from "../variants/policy.js";
import type { FailureScenario } from "./failure-scenarios.js";
import type { VariantName } from "./variant-names.js";

/** The variants failure scenarios compare: the governed ones (direct has no failure handling to compare). */
export const FAILURE_VARIANTS: readonly VariantName[] = ["sdk", "sdk-undici", "haproxy-http"];

/** One arm of a failure scenario: a variant, its policy and, for an SDK arm, where its policy changes come from. */
export interface Arm {
  readonly variant: VariantName;
  readonly policy: PolicyName;
  readonly source: PolicySource | undefined;
  readonly arm: string;
}

/** The arms of `scenario`, named `variant`, `variant policy` (several policies) or `variant source` (`sdkSources`). */
export function arms(scenario: FailureScenario): Arm[] {
  const policies = scenario.policies ?? ["matched"];
  const sdkOnly = scenario.sdkOnlyPolicies ?? [];
  const named = policies.length + sdkOnly.length > 1;
  const sources = scenario.sdkSources;
  const arm = (variant: VariantName, policy: PolicyName): Arm[] => {
    const name = named ? `${variant} ${policy}` : variant;
    if (variant.startsWith("haproxy")) return [{ variant, policy, source: undefined, arm: name }];
    if (!sources) return [{ variant, policy, source: "file", arm: name }];
    return (sources[variant] ?? []).map((source) => ({ variant, policy, source, arm: `${name} ${source}` }));
  };
  return [
    ...policies.flatMap((policy) => FAILURE_VARIANTS.flatMap((variant) => arm(variant, policy))),
    ...sdkOnly.flatMap((policy) => arm("sdk", policy)),
  ];
}
