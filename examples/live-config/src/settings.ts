import { createLiveConfig, type LiveConfig } from "@outrigger/config";
import { isLbError, type RuleSpec, ruleFromSpec } from "@outrigger/loadbalancer";
import { isResilienceError, LivePolicy, type PolicySpec, type SpecIssue } from "@outrigger/resilience";
import { z } from "zod";

/** The policy settings of a client: a default spec and per-service parts. */
export interface ClientPolicies {
  readonly policy: PolicySpec;
  readonly policies: Readonly<Record<string, PolicySpec>>;
}

/** The spec a service runs with: the default policy, with the service's own parts in place of the default's. */
export function policyFor(settings: ClientPolicies, service: string): PolicySpec {
  return { ...settings.policy, ...settings.policies[service] };
}

/**
 * What is wrong with `spec`, found by building it the way the client will (`new LivePolicy(spec)`), so everything
 * the client would refuse — an unknown part, `rateLimit.points: 0`, a `maxDelayMs` below `initialDelayMs` — is
 * refused here, before apply.
 */
function policyIssues(spec: unknown): readonly SpecIssue[] {
  try {
    new LivePolicy(spec);
    return [];
  } catch (error) {
    if (!isResilienceError(error)) throw error;
    return (error as { issues?: readonly SpecIssue[] }).issues ?? [{ path: "", reason: error.message }];
  }
}

/**
 * A load-balancing rule spec (`{ "name": "zone-preference", "zone": "a" }`), checked by building it the way the
 * client will (`ruleFromSpec`), so a rule the balancer would refuse is refused here, with the field at fault.
 */
const ruleSchema = z.record(z.string(), z.unknown()).superRefine((spec, ctx) => {
  try {
    ruleFromSpec(spec as unknown as RuleSpec);
  } catch (error) {
    if (!isLbError(error)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
  }
});

const clientSchema = z
  .object({
    lb: z.object({ rule: ruleSchema }),
    /** The pipeline of every service: retry, outbound rate limit, … (an @outrigger/resilience `PolicySpec`). */
    policy: z.record(z.string(), z.unknown()),
    /** Per-service parts that replace the default's (e.g. a lower `rateLimit` for a quota-bound API). */
    policies: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .transform((client, ctx) => {
    const report = (at: readonly string[], issues: readonly SpecIssue[]) => {
      for (const issue of issues) {
        const path = issue.path ? issue.path.split(".") : [];
        ctx.addIssue({ code: "custom", path: [...at, ...path], message: issue.reason });
      }
    };
    const policyProblems = policyIssues(client.policy);
    report(["policy"], policyProblems);
    if (policyProblems.length > 0) return z.NEVER;
    const typed = client as unknown as ClientPolicies;
    for (const [service, own] of Object.entries(client.policies)) {
      // Checked merged, because parts valid alone can clash (a service's perTryMs above the default's totalMs);
      // each problem is blamed on the service's part when it has one, else on the default's.
      for (const issue of policyIssues(policyFor(typed, service))) {
        const part = issue.path.split(".")[0] ?? "";
        report(part in own ? ["policies", service] : ["policy"], [issue]);
      }
    }
    return { lb: client.lb, policy: typed.policy, policies: typed.policies };
  });

/** The client settings this example reloads live; anything else in the files is passed through untouched. */
export const settingsSchema = z.object({
  client: clientSchema,
  server: z.object({ port: z.number().int() }),
});

/** Typed settings, as the schema checked them. */
export type Settings = z.infer<typeof settingsSchema>;

/** Live settings from `dir` (a ConfigMap mount in Kubernetes); `server.port` needs a restart to change. */
export function liveSettings(dir: string, debounceMs?: number): LiveConfig<Settings> {
  return createLiveConfig({
    dir,
    schema: settingsSchema,
    restartOnly: ["server.port"],
    ...(debounceMs !== undefined ? { debounceMs } : {}),
  });
}
