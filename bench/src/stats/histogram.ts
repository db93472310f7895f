import hdr from "hdr-histogram-js";

/** The percentiles every latency table shows. */
export const REPORTED_PERCENTILES = [50, 90, 99, 99.9] as const;

/** Longest latency a histogram tracks: one minute, in microseconds (anything slower is a failure anyway). */
const MAX_TRACKABLE_US = 60_000_000;

/** A latency histogram in microseconds with 3 significant digits (HdrHistogram). */
export type LatencyHistogram = hdr.Histogram;

/** A new empty histogram: 1 µs resolution, 3 significant digits, plain JS (no WebAssembly start-up). */
export function createHistogram(): LatencyHistogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records one latency given in milliseconds (clamped into the trackable range). */
export function recordMs(histogram: LatencyHistogram, ms: number): void {
  histogram.recordValue(Math.min(MAX_TRACKABLE_US, Math.max(1, Math.round(ms * 1000))));
}

/** Percentiles in milliseconds, keyed `p50`, `p90`, `p99`, `p99.9`. */
export function percentilesMs(histogram: LatencyHistogram): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of REPORTED_PERCENTILES) out[`p${p}`] = histogram.getValueAtPercentile(p) / 1000;
  return out;
}

/**
 * Points of the latency CDF as [percentile, ms], spaced evenly in "nines" (50, 90, 99, 99.9, …) up to the
 * resolution the sample count supports, which is how tail latency is usually plotted.
 */
export function cdfPointsMs(histogram: LatencyHistogram, stepsPerNine = 10): Array<[number, number]> {
  const count = histogram.totalCount;
  if (count === 0) return [];
  const maxNines = Math.max(1, Math.log10(count));
  const points: Array<[number, number]> = [];
  for (let i = 0; i <= maxNines * stepsPerNine; i++) {
    const p = 100 * (1 - 10 ** (-i / stepsPerNine));
    points.push([p, histogram.getValueAtPercentile(p) / 1000]);
  }
  points.push([100, histogram.maxValue / 1000]);
  return points;
}

/** Serialises a histogram so another process can merge it (compressed base64, HdrHistogram's format). */
export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Merges encoded histograms (e.g. the repetitions of one variant) into one. */
export function mergeEncoded(encoded: readonly string[]): LatencyHistogram {
  const merged = createHistogram();
  for (const e of encoded) merged.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return merged;
}
