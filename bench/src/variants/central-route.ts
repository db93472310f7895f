import { type RegistryWatchInstancer, type ServiceInstance, withMetadata } from "@outrigger/discovery";
import { epochMs } from "../proc/clock.js";
import type { LiveDrain } from "./live-drain.js";

/** A policy revision as the registry's watch delivers it (`@outrigger/policy`'s `PolicyUpdate`). */
export type PolicyUpdate = Parameters<Parameters<RegistryWatchInstancer["onPolicy"]>[0]>[0];

/** What a revision does in this bench: the instances it sends nothing to, or why it cannot be applied here. */
export type RouteShift = { readonly excluded: ReadonlySet<string> } | { readonly refused: string };

/**
 * The instances a revision sends nothing to, as `@outrigger/node`'s control plane picks (control-plane/routed-call.ts
 * `inSubset`): a subset is the instances whose metadata carries every label (discovery's `withMetadata`, the
 * control plane's own test), and a call picks only inside its route's subset. The bench applies what its policy
 * scenario sends: no routes (every instance), or a first route without match conditions whose targets of weight > 0
 * name subsets (their union; the scenario shifts 100%, so there is no draw to make). Anything else is refused (a NACK).
 */
export function routeShift(update: PolicyUpdate, instances: readonly ServiceInstance[]): RouteShift {
  if (update.issues) return { refused: update.issues.join("; ") };
  const route = update.policy?.routes?.[0];
  if (!route) return { excluded: new Set() };
  if (route.match !== undefined && route.match.length > 0) return { refused: "routes[0].match: not applied here" };
  const labels = new Map((update.policy?.destination?.subsets ?? []).map((s) => [s.name, s.labels] as const));
  const live = route.route.filter((t) => (t.weight ?? (route.route.length === 1 ? 100 : 0)) > 0);
  if (live.some((t) => t.subset === undefined)) return { excluded: new Set() };
  const accepts = live.map((t) => withMetadata(labels.get(t.subset as string) ?? {}));
  return { excluded: new Set(instances.filter((i) => !accepts.some((a) => a(i))).map((i) => i.id)) };
}

/**
 * The central push as the bench's SDK client takes it: the service's policy arrives in the same registry watch
 * answer as its instances (`RegistryWatchInstancer.onPolicy`), is applied at once (`drained()`: the instances
 * outside the route's subsets), and is reported back — ACK with the revision, or NACK with the reason, keeping the
 * previous one — as `@outrigger/node`'s control plane does (`reportPolicy`, `POST /outrigger/policy/reports`).
 */
export function createCentralRoute(instancer: RegistryWatchInstancer, processId: string): LiveDrain {
  let update: PolicyUpdate | undefined;
  let drained: ReadonlySet<string> = new Set();
  let appliedAt = Number.NaN;
  const report = (revision: number, status: "ACK" | "NACK", reason?: string): void => {
    if (revision === 0) return;
    instancer
      .reportPolicy({ process: processId, revision, status, ...(reason === undefined ? {} : { reason }) })
      .catch(() => {});
  };
  const recompute = (): RouteShift | undefined => {
    if (!update) return undefined;
    const shift = routeShift(update, instancer.current().instances);
    if ("excluded" in shift) drained = shift.excluded;
    return shift;
  };
  const policies = instancer.onPolicy((next) => {
    const previous = update;
    update = next;
    const shift = recompute();
    if (shift && "refused" in shift) {
      update = previous;
      recompute();
      report(next.revision, "NACK", shift.refused);
      return;
    }
    // The first revision is the one the scenario starts under; a later one is the change it times.
    if (previous !== undefined) appliedAt = epochMs();
    report(next.revision, "ACK");
  });
  // Instances that join later are placed by the revision in force (the subset test runs on their metadata).
  const changes = instancer.onChange(() => void recompute());
  return {
    drained: () => drained,
    appliedAt: () => appliedAt,
    close: () => {
      policies.dispose();
      changes.dispose();
    },
  };
}
