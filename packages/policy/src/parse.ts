import { type ServicePolicy, servicePolicySchema } from "./service-policy.js";

/** A service policy checked against the schema: the policy, or every problem as `path: message`. */
export type PolicyCheck =
  | { readonly ok: true; readonly policy: ServicePolicy }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Checks a service policy (plain data, e.g. a parsed JSON body) against `servicePolicySchema`; never throws. Each
 * issue names its field by path (`routes[0].route: weights must add up to 100`), prefixed with `where` when given —
 * the registry answers them in a 400, the SDK sends them in a NACK.
 */
export function checkServicePolicy(value: unknown, where = ""): PolicyCheck {
  const result = servicePolicySchema.safeParse(value);
  if (result.success) return { ok: true, policy: result.data };
  const issues = result.error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
      .join("")
      .replace(/^\./, "");
    return `${where}${path || "(policy)"}: ${issue.message}`;
  });
  return { ok: false, issues };
}
