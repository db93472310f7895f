import type { Metric } from "prom-client";
import type { Labels } from "./metric-sink.js";

/** One label set's buckets (not cumulative; the last is +Inf), sum in seconds and count. */
interface Series {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
}

/** One exported sample, as prom-client's registry formats it. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * Most label sets one histogram keeps; later ones are counted in one overflow series labelled
 * `otel_metric_overflow="true"` (the OpenTelemetry SDK's default cardinality limit and overflow attribute), so
 * instance churn in a long-lived process cannot grow memory without bound.
 */
export const MAX_SERIES = 2000;
const OVERFLOW: Labels = { otel_metric_overflow: "true" };

/** Prometheus label name of an OpenTelemetry attribute (the OTel Prometheus exporter's rule: `.` becomes `_`). */
export const promLabel = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * A histogram the request path feeds without hashing a label object per observation: series are found by a key
 * of their label values, buckets bumped in a typed array. It has the members prom-client's `Registry` reads from a
 * metric (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`), so it registers like one of its own.
 */
export class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  /** Records `value` (seconds) under `labels`. */
  observe(labels: Labels, value: number): void {
    let key = "";
    for (const name in labels) key += `${labels[name]}\u0000`;
    let series = this.#series.get(key);
    if (!series) {
      if (this.#series.size >= MAX_SERIES) {
        key = "\u0001overflow";
        labels = OVERFLOW;
        series = this.#series.get(key);
      }
    }
    if (!series) {
      const renamed: Labels = {};
      for (const name in labels) renamed[promLabel(name)] = labels[name] as string | number;
      series = { labels: renamed, counts: new Float64Array(this.bounds.length + 1), sum: 0 };
      this.#series.set(key, series);
    }
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const { labels, counts, sum } of this.#series.values()) {
      let total = 0;
      for (let i = 0; i < counts.length; i++) {
        total += counts[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : "+Inf";
        values.push({ labels: { ...labels, le }, value: total, metricName: `${this.name}_bucket` });
      }
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: total, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }

  /** This object typed as the registry's parameter. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
