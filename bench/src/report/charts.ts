import { spreadOf } from "@outrigger/bench-stats";
import type { FailureRuns } from "../scenarios/failures.js";
import type { SteadyRuns } from "../scenarios/steady.js";
import { cdfPointsMs, mergeEncoded } from "../stats/histogram.js";
import { renderBarChart, renderLineChart } from "./svg.js";

/** SVG files by name. */
export type Charts = Record<string, string>;

/** Latency CDFs per rate (repetitions merged), CPU per request, and error timelines of the failure scenarios. */
export function buildCharts(steady: SteadyRuns, failures: FailureRuns, bucketMs = 100): Charts {
  const charts: Charts = {};
  const rates = Object.keys(steady);
  for (const rate of rates) {
    const byVariant = steady[rate] ?? {};
    charts[`latency-cdf-${rate}rps.svg`] = renderLineChart({
      title: `Client-observed latency at ${rate}/s (all repetitions)`,
      xLabel: "percentile",
      yLabel: "latency (ms, log)",
      xScale: "nines",
      yScale: "log",
      series: Object.entries(byVariant).map(([name, runs]) => ({
        name,
        points: cdfPointsMs(mergeEncoded(runs.map((r) => r.histogram))),
      })),
    });
  }
  const variants = [...new Set(rates.flatMap((r) => Object.keys(steady[r] ?? {})))];
  charts["cpu-per-request.svg"] = renderBarChart({
    title: "CPU per request: client + sidecar (median of repetitions)",
    yLabel: "CPU-ms per request",
    categories: rates.map((r) => `${r}/s`),
    series: variants.map((name) => ({
      name,
      values: rates.map(
        (r) => spreadOf((steady[r]?.[name] ?? []).map((m) => m.clientCpuMsPerReq + m.sidecarCpuMsPerReq)).median,
      ),
    })),
  });
  for (const [scenario, byArm] of Object.entries(failures)) {
    charts[`errors-${scenario}.svg`] = renderLineChart({
      title: `Client-visible errors over time: ${scenario} (sum of repetitions)`,
      xLabel: "seconds into the measured window",
      yLabel: `errors per ${bucketMs} ms`,
      series: Object.entries(byArm).map(([arm, runs]) => {
        const buckets = runs[0]?.timeline.length ?? 0;
        const points: Array<[number, number]> = [];
        for (let i = 0; i < buckets; i++) {
          points.push([(i * bucketMs) / 1000, runs.reduce((n, r) => n + (r.timeline[i]?.errors ?? 0), 0)]);
        }
        return { name: arm, points };
      }),
    });
  }
  return charts;
}
