import type { InstanceView } from "./instance-view.js";

/** How loaded an instance looks; lower is better. Any metric pairs with any pick algorithm (Finagle's split). */
export type LoadMetric = (stats: InstanceView, now: number) => number;

/** Least request: the number of requests in flight. */
export const leastRequest: LoadMetric = (stats) => stats.active;

/**
 * Peak EWMA (Finagle, Linkerd): estimated RTT × (requests in flight + 1), so a fast but busy instance and a
 * slow idle one are compared on the time a new request would wait.
 */
export const peakEwma: LoadMetric = (stats, now) => stats.peakRttMs(now) * (stats.active + 1);
