import type { Metric } from "prom-client";
import type { Labels } from "./metric-sink.js";
import { SeriesByLabels } from "./series-by-labels.js";

/**
 * One label set's buckets (not cumulative; the last is +Inf, each bound inclusive as in both Prometheus `le` and
 * OpenTelemetry explicit buckets), sum, least and greatest value.
 */
export interface HistogramSeries {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
  min: number;
  max: number;
}

/** One label set's counter value. */
export interface CounterSeries {
  readonly labels: Labels;
  value: number;
}

/** One exported sample, as prom-client's registry formats it. */
interface Sample {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/** Prometheus label name of an OpenTelemetry attribute (the OTel Prometheus exporter's rule: `.` becomes `_`). */
export const promLabel = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, "_");

/**
 * A counter the request path bumps as a plain number; registers with prom-client like FastHistogram. `rename` maps
 * attribute names to label names (Prometheus's by default; the identity for the OpenTelemetry producer).
 */
export class FastCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  readonly #series: SeriesByLabels<CounterSeries>;

  constructor(
    readonly name: string,
    readonly help: string,
    rename: (name: string) => string = promLabel,
  ) {
    this.#series = new SeriesByLabels((labels) => ({ labels, value: 0 }), rename);
  }

  inc(labels: Labels): void {
    this.#series.of(labels).value++;
  }

  /** Every label set's value, as kept (read at collect time; not copies). */
  series(): IterableIterator<CounterSeries> {
    return this.#series.all();
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
  readonly #series: SeriesByLabels<HistogramSeries>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
    rename: (name: string) => string = promLabel,
  ) {
    this.#series = new SeriesByLabels(
      (labels) => ({ labels, counts: new Float64Array(bounds.length + 1), sum: 0, min: Infinity, max: -Infinity }),
      rename,
    );
  }

  /** Records `value` (seconds) under `labels`. */
  observe(labels: Labels, value: number): void {
    const series = this.#series.of(labels);
    // Linear from the smallest bound: an attempt under 50 ms (most of them) is placed in at most four comparisons,
    // where a binary search over the convention's 14 bounds always takes four.
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
    if (value < series.min) series.min = value;
    if (value > series.max) series.max = value;
  }

  /** Every label set's buckets, as kept (read at collect time; not copies). */
  series(): IterableIterator<HistogramSeries> {
    return this.#series.all();
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
