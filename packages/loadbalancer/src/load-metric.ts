import type { InstanceView } from "./instance-view.js";

/** How loaded an instance looks; lower is better. Any metric pairs with any pick algorithm (Finagle's split). */
export type LoadMetric = (stats: InstanceView, now: number) => number;

/**
 * Least request: the requests in flight plus recent failures counted as requests (`failureLoad`). Requests in
 * flight alone made an instance answering 500 at once look the least loaded, so it drew most of the traffic
 * whenever outlier detection did not eject it (valyala/fasthttp#865; measured here: 55–61% of 200 requests to one
 * failing instance of three with `p2cLeastRequest()`, 70–76% with `BestAvailableRule`).
 */
export const leastRequest: LoadMetric = (stats, now) => stats.active + stats.failureLoad(now);

/**
 * Peak EWMA (Finagle, Linkerd): estimated RTT × (requests in flight + 1), so a fast but busy instance and a
 * slow idle one are compared on the time a new request would wait.
 */
export const peakEwma: LoadMetric = (stats, now) => stats.peakRttMs(now) * (stats.active + 1);
