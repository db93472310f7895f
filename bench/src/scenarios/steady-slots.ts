import { sidecarOf, type VariantName } from "./variant-names.js";

/**
 * The SDK variants a full run measures in one window with their goal's sidecar (`--paired`): the undici pair only.
 * The axios pair's clients cost 1.1–1.2 ms of client-core CPU per request on this host class (node:http both into and out of the client
 * service; run 2026-12-01-fresh-2 at 300/s), so `sdk`, `haproxy-http` and HAProxy together at 300/s keep the client
 * core ~75% busy and each waits for the other: `sdk`'s p99 at 300/s was 42–272 ms per window beside `haproxy-http`
 * in run 2026-12-01-paired-1 (12 ms pooled in windows of its own, fresh-2), and `haproxy-http`'s up to 501 ms
 * beside `sdk` in 2026-12-01-axios-paired-300 — the mutual waiting swamps the paths' difference. The undici pair
 * (0.55–0.68 ms + HAProxy's 0.2 ms) leaves the core mostly idle at 300/s.
 */
export const PAIRED_SDK_VARIANTS: readonly VariantName[] = ["sdk-undici"];

/**
 * The windows of one steady round: `order` (the round's variants, rotated) cut into slots measured one after another,
 * each slot's variants in one window together (`measureTogether`). Below `pairedBelow` requests/s each SDK variant
 * in `paired` (`PAIRED_SDK_VARIANTS` in a full run) shares its window with the sidecar its latency goals hold it
 * against (`sidecarOf`), at the place of whichever of the two comes first in `order`; every other variant, and every
 * variant at `pairedBelow` and above, has a window of its own. 0 pairs nothing.
 *
 * Why: a goal compares the SDK's tail with the sidecar's. Measured in windows of their own, seconds apart, each
 * window's tail carries the shared host's luck in those seconds (a stall of a few ms lands on one side only), and
 * over 12 repetitions the difference of two p99s stayed within ±2 ms of 0 at 100–300/s where the sides differ by
 * less (runs 2026-12-01-fresh-1, -fresh-2). In one window, half a period apart, a stall lands on both sides' requests
 * alike and cancels from their difference: a paired comparison (common random numbers). Only where the two clients
 * together leave the client core mostly idle, so neither waits for the other: the undici pair
 * (`PAIRED_SDK_VARIANTS`) below the fast rates; at 1 000/s and above they would queue behind each other, and those
 * verdicts resolve in windows of their own.
 */
export function steadySlots(
  order: readonly VariantName[],
  rate: number,
  pairedBelow: number,
  paired: readonly VariantName[] = PAIRED_SDK_VARIANTS,
): VariantName[][] {
  const slots: VariantName[][] = [];
  const placed = new Set<VariantName>();
  const partnerOf = (v: VariantName): VariantName | undefined => {
    if (rate >= pairedBelow) return undefined;
    const sdk = paired.find((s) => s === v || sidecarOf(s) === v);
    if (!sdk) return undefined;
    const partner = v === sdk ? sidecarOf(sdk) : sdk;
    return order.includes(partner) ? partner : undefined;
  };
  for (const v of order) {
    if (placed.has(v)) continue;
    const partner = partnerOf(v);
    const slot = partner ? [v, partner] : [v];
    for (const s of slot) placed.add(s);
    slots.push(slot);
  }
  return slots;
}
