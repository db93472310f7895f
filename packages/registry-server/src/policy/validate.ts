import { PolicyError } from "./policy-error.js";
import { type ServicePolicy, servicePolicySchema } from "./schema.js";

/**
 * Checks a service policy against the schema; throws `REGISTRY_POLICY_INVALID` (400) naming each bad field by its
 * path (`routes[0].route: weights must add up to 100`), prefixed with `where` (a document's name) when given.
 */
export function validatePolicy(value: unknown, where = ""): ServicePolicy {
  const result = servicePolicySchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${part}`))
      .join("")
      .replace(/^\./, "");
    return `${where}${path || "(policy)"}: ${issue.message}`;
  });
  throw new PolicyError("REGISTRY_POLICY_INVALID", "The policy is not valid", issues);
}
