/**
 * The ways the client service reaches its upstreams. `direct`, `sdk` and `haproxy-http` send with axios (node:http);
 * `direct-undici`, `sdk-undici` and `haproxy-http-undici` with undici, so each SDK transport is held against a sidecar
 * whose client sends the same way. `haproxy-tcp` (axios) is the null proxy: the cost of the hop alone.
 */
export type VariantName =
  | "direct"
  | "direct-undici"
  | "sdk"
  | "sdk-undici"
  | "haproxy-http"
  | "haproxy-http-undici"
  | "haproxy-tcp";

/** Every variant, baselines first; steady-state runs interleave them in this order. */
export const VARIANTS: readonly VariantName[] = [
  "direct",
  "direct-undici",
  "sdk",
  "sdk-undici",
  "haproxy-http",
  "haproxy-http-undici",
  "haproxy-tcp",
];

/** The variant a variant's added latency and governance CPU are measured over: the direct client on its transport. */
export function baselineOf(variant: string): VariantName {
  return variant.endsWith("-undici") ? "direct-undici" : "direct";
}

/** The SDK variants the goals are checked for. */
export const SDK_VARIANTS = ["sdk", "sdk-undici"] as const;

/**
 * The HAProxy HTTP sidecar an SDK variant is held against in the steady and CPU goals: the one whose client sends
 * on the same transport (`sdk` → `haproxy-http`, axios; `sdk-undici` → `haproxy-http-undici`, undici), so the
 * client library's own cost and tail are on both sides of the comparison.
 */
export function sidecarOf(variant: string): VariantName {
  return variant.endsWith("-undici") ? "haproxy-http-undici" : "haproxy-http";
}

/**
 * The variants a run measures: `names` (all when empty) plus their baselines, in `VARIANTS` order. Throws for a
 * name that is not a variant, listing the ones there are.
 */
export function selectedVariants(names: readonly string[]): VariantName[] {
  if (names.length === 0) return [...VARIANTS];
  const unknown = names.filter((n) => !(VARIANTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(`--variants: unknown variant ${unknown.join(", ")}; the variants are ${VARIANTS.join(", ")}`);
  const wanted = new Set([...names, ...names.map(baselineOf)]);
  return VARIANTS.filter((v) => wanted.has(v));
}
