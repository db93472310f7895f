import type { Interval } from "@outrigger/bench-stats";

/**
 * The latency goals' non-inferiority margin as a share of the sidecar's own percentile: "the SDK's added p99 at or
 * below HAProxy's" is met when SDK − HAProxy stays under 10% of HAProxy's p99 on the same basis (the path, where the
 * run has it) with 95% confidence. Why a margin at all: "at" HAProxy's is a tie, and a tie is never shown by an
 * interval that must exclude zero — it is shown by one that stays under a margin fixed in advance, the
 * non-inferiority test (ICH E9 §3.3.2; FDA, "Non-Inferiority Clinical Trials to Establish Effectiveness", 2016).
 * Why relative: a p99.9 of 10 ms and a p99 of 2 ms differ in scale, and a user reading either cannot act on a tenth
 * of it. Fixed on 2026-12-03 before run full-17 (bench/README.md, "Ties: the non-inferiority margin").
 */
export const NONINFERIORITY_SHARE = 0.1;

/** The margin, ms, for a sidecar whose percentile is `sidecarMs` (NaN when that is unknown: no verdict then). */
export function marginMs(sidecarMs: number): number {
  return Number.isFinite(sidecarMs) && sidecarMs > 0 ? NONINFERIORITY_SHARE * sidecarMs : Number.NaN;
}

/**
 * Where the SDK − HAProxy interval `diff` (ms) lies, in words, for a goal's figures: below HAProxy's (the interval
 * under 0), a tie or above within the margin, or only the margin's size when the interval reaches past it. `what`
 * names the sidecar's figure the margin is a share of, e.g. "HAProxy's path p99 2.710 ms".
 */
export function describeMargin(diff: Pick<Interval, "lo" | "hi">, margin: number, what: string): string {
  const size = `margin ${margin.toFixed(3)} ms = ${NONINFERIORITY_SHARE * 100}% of ${what}`;
  if (diff.hi < 0) return `below HAProxy's (interval under 0; ${size})`;
  if (!(diff.hi <= margin)) return size;
  return diff.lo > 0 ? `above HAProxy's, within the ${size}` : `a tie within the ${size}`;
}
