import { setTimeout as delay } from "node:timers/promises";
import { abortable } from "@outrigger/core";
import type { Mirror } from "./mirror.js";
import type { PolicySnapshot } from "./policy-snapshot.js";
import type { RequestFacts } from "./route-match.js";
import type { CallChoice } from "./routed-call.js";

/** What a transport's wrapper reads of the control plane. */
export interface RouteDeps {
  snapshot(service: string): PolicySnapshot | undefined;
  /** A wait for the service's first policy answer, when it has not come yet. */
  ready(service: string): Promise<void> | undefined;
  random(): number;
  readonly mirror: Mirror;
}

/** What to do with one call: send it as it is, answer it locally (no route, fault abort), or send it routed. */
export type RouteDecision =
  | { readonly kind: "pass" }
  | { readonly kind: "answer"; readonly status: number; readonly body: string; readonly header: string }
  | { readonly kind: "send"; readonly choice: CallChoice; readonly mirror: CallChoice | undefined };

const PASS: RouteDecision = { kind: "pass" };

/**
 * One call under its service's current revision: the first route whose match fits takes it (none: 404, as Envoy's
 * NR), a weighted draw picks its subset, fault injection delays and/or aborts the given shares (delay first, then
 * abort, as Envoy's fault filter), and a share is marked for mirroring. Every draw of the call is taken at once,
 * before any wait, so with a seeded random the shares over n calls are fixed whatever order concurrent calls
 * finish in. Shared by `og.fetch` and `og.http`.
 */
export async function decideRoute(
  deps: RouteDeps,
  service: string,
  facts: RequestFacts,
  signal: AbortSignal | undefined,
): Promise<RouteDecision> {
  const first = deps.ready(service);
  if (first) await abortable(first, signal);
  const snapshot = deps.snapshot(service);
  if (!snapshot || snapshot.routes.length === 0) return PASS;
  const route = snapshot.routes.find((r) => r.matches(facts));
  if (!route) return { kind: "answer", status: 404, body: "no route matched", header: "no-route" };
  const draw = deps.random() * 100;
  const chosen = route.targets.find((t) => draw < t.upTo) ?? route.targets[route.targets.length - 1];
  const { fault, mirror } = route;
  const delayed = fault?.delay !== undefined && deps.random() * 100 < fault.delay.percentage;
  const aborted = fault?.abort !== undefined && deps.random() * 100 < fault.abort.percentage;
  const mirrored = mirror !== undefined && deps.random() * 100 < mirror.percentage;
  if (delayed && fault?.delay) await delay(fault.delay.fixedDelayMs, undefined, signal ? { signal } : {});
  if (aborted && fault?.abort) {
    return { kind: "answer", status: fault.abort.httpStatus, body: "fault filter abort", header: "fault-abort" };
  }
  const name = service.toUpperCase();
  return {
    kind: "send",
    choice: { service: name, subset: chosen?.subset, pipeline: chosen?.pipeline },
    mirror:
      mirrored && mirror
        ? { service: name, subset: mirror.subset, pipeline: mirror.pipeline ?? snapshot.mirrorPipeline }
        : undefined,
  };
}
