import type { Measurement } from "../scenarios/measure.js";
import { encodeHistogram, type LatencyHistogram, percentilesMs } from "../stats/histogram.js";

/** A steady window of the latencies in `h`, every one sent on time and answered; `extra` overrides any field. */
export function measurementOf(h: LatencyHistogram, extra: Partial<Measurement> = {}): Measurement {
  const count = h.totalCount;
  return {
    variant: "x",
    sent: count,
    sentOnTime: count,
    ok: count,
    errors: 0,
    percentiles: percentilesMs(h),
    histogram: encodeHistogram(h),
    timeline: [],
    rate: { targetPerSec: 100, achievedPerSec: 100, accepted: true },
    windowStart: 0,
    clientCpuMsPerReq: 0.1,
    sidecarCpuMsPerReq: 0,
    clientRssMb: 50,
    sidecarRssMb: 0,
    proxyCpuMsPerReq: 0,
    proxyRssMb: 0,
    errorRate: 0,
    clientCoreShare: 0.1,
    ...extra,
  };
}
