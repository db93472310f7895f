/**
 * The ways the client service reaches its upstreams, each as an application would live it. `direct` and
 * `haproxy-http` are an axios app on axios's default http adapter (node:http), straight to the upstreams or to its
 * HAProxy sidecar; `sdk` is the same axios app with `createLbAxios` as shipped, which sends `lb://` requests through
 * undici by default (its `lbUndiciAdapter`). `direct-undici`, `sdk-undici` (`createLbDispatcher`) and
 * `haproxy-http-undici` send with undici, the like-for-like pair on one client library. `haproxy-tcp` (axios) is the
 * null proxy: the cost of the hop alone. `sdk-axios-http` (`createLbAxios({ transport: "http" })`, axios's http
 * adapter) is opt-in and informational: no goal.
 */
export type VariantName =
  | "direct"
  | "direct-undici"
  | "sdk"
  | "sdk-axios-http"
  | "sdk-undici"
  | "haproxy-http"
  | "haproxy-http-undici"
  | "haproxy-tcp";

/** Every variant a full run measures, baselines first; steady-state runs interleave them in this order. */
export const VARIANTS: readonly VariantName[] = [
  "direct",
  "direct-undici",
  "sdk",
  "sdk-undici",
  "haproxy-http",
  "haproxy-http-undici",
  "haproxy-tcp",
];

/**
 * Variants run only when named (`--variants=sdk-axios-http`), for information: no goal rests on them. A full run with
 * `sdk-axios-http` would take about 99 min instead of about 91 (bench/README.md, "Run it").
 */
export const OPT_IN_VARIANTS: readonly VariantName[] = ["sdk-axios-http"];

/** Every variant there is, in the order a run interleaves them (an opt-in one beside its kin). */
export const ALL_VARIANTS: readonly VariantName[] = [
  "direct",
  "direct-undici",
  "sdk",
  "sdk-axios-http",
  "sdk-undici",
  "haproxy-http",
  "haproxy-http-undici",
  "haproxy-tcp",
];

/** The variant a variant's added latency and governance CPU are measured over: the direct client on its transport. */
export function baselineOf(variant: string): VariantName {
  return variant.endsWith("-undici") ? "direct-undici" : "direct";
}

/** The SDK variants the goals are checked for (not the opt-in `sdk-axios-http`). */
export const SDK_VARIANTS = ["sdk", "sdk-undici"] as const;

/**
 * The HAProxy HTTP sidecar an SDK variant is held against in the steady and CPU goals. `sdk` → `haproxy-http`: the
 * axios user's choice as they would live it — the same axios app, either with `createLbAxios` as shipped (undici
 * underneath) or on axios's own http adapter with a sidecar beside it; both over `direct` (that app straight to the
 * upstreams), so the SDK's transport is part of what it adds or saves. `sdk-undici` → `haproxy-http-undici`: one
 * client library on both sides (undici), over `direct-undici`, so only governance and the hop differ.
 */
export function sidecarOf(variant: string): VariantName {
  return variant.endsWith("-undici") ? "haproxy-http-undici" : "haproxy-http";
}

/**
 * The variants a run measures: `names` (the full run's `VARIANTS` when empty) plus their baselines, in
 * `ALL_VARIANTS` order; an opt-in variant only when named. Throws for a name that is not a variant, listing the ones
 * there are.
 */
export function selectedVariants(names: readonly string[]): VariantName[] {
  if (names.length === 0) return [...VARIANTS];
  const unknown = names.filter((n) => !(ALL_VARIANTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(`--variants: unknown variant ${unknown.join(", ")}; the variants are ${ALL_VARIANTS.join(", ")}`);
  const wanted = new Set([...names, ...names.map(baselineOf)]);
  return ALL_VARIANTS.filter((v) => wanted.has(v));
}
