/**
 * Wall-clock time in epoch milliseconds with sub-millisecond resolution, comparable across the bench's processes on
 * one machine (Date.now() ticks in whole milliseconds, too coarse for sub-millisecond propagation).
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
