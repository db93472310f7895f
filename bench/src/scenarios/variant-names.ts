/**
 * The ways the client service reaches its upstreams. `direct` and the HAProxy clients send with axios (node:http),
 * as `sdk` does; `direct-undici` is the baseline of `sdk-undici` (the SDK's undici dispatcher).
 */
export type VariantName = "direct" | "direct-undici" | "sdk" | "sdk-undici" | "haproxy-http" | "haproxy-tcp";

/** Every variant, baselines first; steady-state runs interleave them in this order. */
export const VARIANTS: readonly VariantName[] = [
  "direct",
  "direct-undici",
  "sdk",
  "sdk-undici",
  "haproxy-http",
  "haproxy-tcp",
];

/** The variant a variant's added latency and governance CPU are measured over: the direct client on its transport. */
export function baselineOf(variant: string): VariantName {
  return variant.endsWith("-undici") ? "direct-undici" : "direct";
}
