import { type ServicePolicy, servicePolicySchema } from "./service-policy.js";

/**
 * Deepest nesting a policy may have: the model itself is 8 levels deep (`routes[0].match[0].headers.x.exact`); the
 * rest is room for a fallback's JSON value. Deeper input overflowed the stack of the recursive checks (zod's JSON
 * schema, deep equality) and answered 500; it is refused by its shape first.
 */
export const MAX_POLICY_DEPTH = 32;

/** True when `value` nests deeper than `max`; iterative, so the check cannot overflow on the input it refuses. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A service policy checked against the schema: the policy, or every problem as `path: message`. */
export type PolicyCheck =
  | { readonly ok: true; readonly policy: ServicePolicy }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Checks a service policy (plain data, e.g. a parsed JSON body) against `servicePolicySchema`; never throws. Each
 * issue names its field by path (`routes[0].route: weights must add up to 100`), prefixed with `where` when given —
 * the registry answers them in a 400, the SDK sends them in a NACK. A value nested deeper than `MAX_POLICY_DEPTH` is
 * refused before the schema looks at it.
 */
export function checkServicePolicy(value: unknown, where = ""): PolicyCheck {
  if (deeperThan(value, MAX_POLICY_DEPTH)) {
    return { ok: false, issues: [`${where}(policy): nested deeper than ${MAX_POLICY_DEPTH} levels`] };
  }
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
