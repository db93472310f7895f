import type { Metric } from "prom-client";
import type { SeriesTable } from "./metric-series.js";

const OUTCOMES = ["success", "failure"] as const;

/** One exported sample, in the shape prom-client's registry formats. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * The attempt latency histogram by service and outcome, exported from the per-instance bucket counts the request
 * path keeps (no label hashing per request). It has the members prom-client's `Registry` reads from a metric
 * (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`), so it registers like one of its own.
 */
export class LatencyHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";

  constructor(
    readonly name: string,
    readonly help: string,
    readonly table: SeriesTable,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const bounds = this.table.bounds;
    // Sum instances into their service: buckets (not cumulative, last is +Inf) and the sum in ms, per outcome.
    const byService = new Map<string, Array<{ buckets: Float64Array; sumMs: number }>>();
    for (const s of this.table.all()) {
      let perOutcome = byService.get(s.service);
      if (!perOutcome) {
        perOutcome = OUTCOMES.map(() => ({ buckets: new Float64Array(bounds.length + 1), sumMs: 0 }));
        byService.set(s.service, perOutcome);
      }
      for (let o = 0; o < OUTCOMES.length; o++) {
        const into = perOutcome[o] as { buckets: Float64Array; sumMs: number };
        const from = s.buckets[o] as Float64Array;
        for (let i = 0; i < from.length; i++) into.buckets[i] = (into.buckets[i] as number) + (from[i] as number);
        into.sumMs += s.sumMs[o] as number;
      }
    }
    const values: Sample[] = [];
    for (const [service, perOutcome] of byService) {
      OUTCOMES.forEach((outcome, o) => {
        const { buckets, sumMs } = perOutcome[o] as { buckets: Float64Array; sumMs: number };
        let cumulative = 0;
        for (let i = 0; i < buckets.length; i++) {
          cumulative += buckets[i] as number;
          const le = i < bounds.length ? (bounds[i] as number) / 1000 : "+Inf";
          values.push({ labels: { service, outcome, le }, value: cumulative, metricName: `${this.name}_bucket` });
        }
        if (cumulative === 0) {
          values.splice(values.length - buckets.length, buckets.length);
          return;
        }
        values.push({ labels: { service, outcome }, value: sumMs / 1000, metricName: `${this.name}_sum` });
        values.push({ labels: { service, outcome }, value: cumulative, metricName: `${this.name}_count` });
      });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Resetting is the table's business (counts are shared with the request counter); nothing kept here. */
  reset(): void {}

  /** This object typed as the registry's parameter. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
