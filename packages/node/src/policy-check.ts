import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer, isLbError } from "@outrigger/loadbalancer";
import { isResilienceError, LivePolicy, type SpecIssue } from "@outrigger/resilience";
import type { z } from "zod";
import { balancerParts, pipelineSpec } from "./policy-parts.js";
import { type PolicySources, policyFor } from "./safe-defaults.js";

const NO_INSTANCES = new FixedInstancer([]);

/**
 * The key path of the option a part's message names ("…: maxDelayMs must be …" → "retry.maxDelayMs"): the section
 * of the policy that has it; "" when none does (the issue is then the service's as a whole).
 */
function sectionOf(policy: object, message: string): string {
  for (const [, name = ""] of message.matchAll(/(?:^|: )([A-Za-z]\w*) /g)) {
    for (const [section, value] of Object.entries(policy)) {
      if (value !== null && typeof value === "object" && name in value) return `${section}.${name}`;
    }
  }
  return "";
}

/** What building `service`'s pipeline and balancer the way the client will would refuse, as `{ path, reason }`. */
function buildIssues(clients: PolicySources, service: string): SpecIssue[] {
  const policy = policyFor(clients, service);
  const issues: SpecIssue[] = [];
  try {
    new LivePolicy(pipelineSpec(policy));
  } catch (error) {
    if (!isResilienceError(error)) throw error;
    const found = (error as { issues?: readonly SpecIssue[] }).issues;
    issues.push(...(found ?? [{ path: sectionOf(policy, error.message), reason: error.message }]));
  }
  try {
    createBalancer({ instancer: NO_INSTANCES, ...balancerParts(policy) }).close();
  } catch (error) {
    if (!isLbError(error)) throw error;
    // The balancer's messages start with the option at fault: "outlierDetection.maxEjectionPercent must be …".
    const path = /^([A-Za-z][\w.]*) /.exec(error.message)?.[1] ?? "rule";
    issues.push({ path, reason: error.message });
  }
  return issues;
}

/**
 * zod refinement of the `clients` section: builds every service's pipeline (`new LivePolicy`) and balancer the way
 * the client will, merged with the defaults, so everything the parts would refuse — a `maxDelayMs` below
 * `initialDelayMs`, an unknown rule setting — is refused before anything is applied, blamed on the service's own
 * key when it has one and on `defaults` otherwise.
 */
export function checkClients(clients: PolicySources, ctx: z.RefinementCtx): void {
  const defaultsOk = buildIssues(clients, "").length === 0;
  for (const service of ["", ...Object.keys(clients.services)]) {
    const own = clients.services[service] ?? {};
    for (const issue of buildIssues(clients, service)) {
      const parts = issue.path ? issue.path.split(".") : [];
      const key = parts[0];
      // A problem of the defaults alone is reported once, under "defaults", not again for every service; one
      // without a path (a part's own check) is the service's when the defaults alone pass.
      const theService = service !== "" && (key === undefined ? defaultsOk : key in own);
      if (service !== "" && !theService) continue;
      const at = theService ? ["services", service] : ["defaults"];
      ctx.addIssue({ code: "custom", path: [...at, ...parts], message: issue.reason });
    }
  }
}
