import type { Interval } from "./interval.js";

/** "9.33 [8.18, 12.84]": an estimate and its interval; an unknown bound prints as "?" (too few samples). */
export function formatInterval(interval: Interval, digits = 2): string {
  const show = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : "?");
  return `${show(interval.estimate)} [${show(interval.lo)}, ${show(interval.hi)}]`;
}
