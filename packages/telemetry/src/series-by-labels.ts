import type { Labels } from "./metric-sink.js";

/**
 * Most label sets one metric keeps; later ones are counted in one overflow series labelled
 * `otel.metric.overflow=true` (the OpenTelemetry SDK's default cardinality limit and overflow attribute), so
 * instance churn in a long-lived process cannot grow memory without bound.
 */
export const MAX_SERIES = 2000;
const OVERFLOW: Labels = { "otel.metric.overflow": "true" };

/**
 * Series found by a key of their labels' names and values (no label object hashed per observation), at most
 * MAX_SERIES of them; `rename` maps each label name once, when a series is made (Prometheus names, or none).
 */
export class SeriesByLabels<S> {
  readonly #series = new Map<string, S>();
  /** Series by the label object itself, for callers that hand the same object for the same labels. */
  #byObject = new WeakMap<Labels, S>();

  constructor(
    readonly make: (labels: Labels) => S,
    readonly rename: (name: string) => string = (name) => name,
  ) {}

  /** The series of `labels`, made on first use. */
  of(labels: Labels): S {
    const known = this.#byObject.get(labels);
    if (known) return known;
    const series = this.#byKey(labels);
    this.#byObject.set(labels, series);
    return series;
  }

  #byKey(labels: Labels): S {
    let key = "";
    for (const name in labels) key += `${name}=${labels[name]}\u0000`;
    let series = this.#series.get(key);
    if (series) return series;
    const full = this.#series.size >= MAX_SERIES;
    if (full) {
      key = "\u0001overflow";
      series = this.#series.get(key);
      if (series) return series;
    }
    const renamed: Labels = {};
    const source = full ? OVERFLOW : labels;
    for (const name in source) renamed[this.rename(name)] = source[name] as string | number;
    series = this.make(renamed);
    this.#series.set(key, series);
    return series;
  }

  all(): IterableIterator<S> {
    return this.#series.values();
  }

  clear(): void {
    this.#series.clear();
    this.#byObject = new WeakMap();
  }
}
