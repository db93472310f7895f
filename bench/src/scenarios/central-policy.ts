import { SERVICE } from "../fleet/service.js";

/** The subsets of the canary shift: u0 is the canary (`version: v2`), every other instance the stable `v1`. */
export type CanaryRoute = "v1" | "v2";

/** Registration labels of the policy scenario's fleet: u0 `version: v2`, the rest `version: v1`. */
export function canaryLabels(name: string): Record<string, string> {
  return { version: name === "u0" ? "v2" : "v1" };
}

/**
 * The service policy (`@outrigger/policy`'s model, as `PUT /outrigger/policy/services/{SERVICE}` takes it) that
 * sends every request to one subset: Istio's DestinationRule subsets by label plus a VirtualService route of weight
 * 100, in the registry's native JSON.
 */
export function routeAllTo(subset: CanaryRoute): Record<string, unknown> {
  return {
    destination: {
      subsets: [
        { name: "v1", labels: { version: "v1" } },
        { name: "v2", labels: { version: "v2" } },
      ],
    },
    routes: [{ name: "canary-shift", route: [{ subset, weight: 100 }] }],
  };
}

/** A policy write is one small request to a loopback registry: 5 s only bounds a hung one. */
const PUT_TIMEOUT_MS = 5_000;

/**
 * Applies `policy` to the upstream service on the registry's control plane (its REST API, as the CLI's `apply`
 * does); resolves with the new revision once the registry stored it (the watch wake follows from the store).
 */
export async function putCentralPolicy(registryUrl: string, policy: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${registryUrl}/outrigger/policy/services/${SERVICE}`, {
    method: "PUT",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(policy),
    signal: AbortSignal.timeout(PUT_TIMEOUT_MS),
  });
  const body = (await response.json()) as { record?: { revision?: number }; message?: string };
  if (response.status !== 200) throw new Error(`registry refused the policy (${response.status}): ${body.message}`);
  return Number(body.record?.revision);
}
