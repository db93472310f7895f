import type { Metric } from "prom-client";
import type { Labels } from "./metric-sink.js";
import { SeriesByLabels } from "./series-by-labels.js";

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

/** Prometheus label name of an OpenTelemetry attribute (the OTel Prometheus exporter's rule: `.` becomes `_`). */
export const promLabel = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");

/** A counter the request path bumps as a plain number; registers with prom-client like FastHistogram. */
export class FastCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  readonly #series = new SeriesByLabels((labels) => ({ labels, value: 0 }), promLabel);

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels): void {
    this.#series.of(labels).value++;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values = [...this.#series.all()].map(({ labels, value }) => ({ labels, value, metricName: this.name }));
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

/**
 * A histogram the request path feeds without hashing a label object per observation: series are found by a key
 * of their label values, buckets bumped in a typed array. It has the members prom-client's `Registry` reads from a
 * metric (`name`, `help`, `type`, `aggregator`, `get()`, `reset()`), so it registers like one of its own.
 */
export class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #series: SeriesByLabels<Series>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.#series = new SeriesByLabels(
      (labels) => ({ labels, counts: new Float64Array(bounds.length + 1), sum: 0 }),
      promLabel,
    );
  }

  /** Records `value` (seconds) under `labels`. */
  observe(labels: Labels, value: number): void {
    const series = this.#series.of(labels);
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const { labels, counts, sum } of this.#series.all()) {
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
