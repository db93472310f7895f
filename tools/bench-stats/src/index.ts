/**
 * The statistics every Outrigger benchmark reports with, so each one says "met", "missed" or "inconclusive" by the
 * same rule: only when the interval excludes the threshold.
 */
export { formatInterval } from "./format.js";
export {
  atLeast,
  atMost,
  bootstrap,
  type Interval,
  intervalOf,
  MIN_REPS_FOR_INTERVAL,
  meanAt,
  RESAMPLES,
  resamples,
  type Verdict,
} from "./interval.js";
export { loadAverageLine } from "./machine.js";
export { meanInterval } from "./mean.js";
export { normalQuantile, studentQuantile } from "./normal.js";
export { quantileInterval, samplesToBound } from "./quantile.js";
export { addedOver, ratio, type Spread, spreadOf } from "./spread.js";
