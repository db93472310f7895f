import type { Labels } from "./metric-sink.js";
import { ATTR } from "./semconv.js";
import { MAX_SERIES } from "./series-by-labels.js";

/**
 * A counter's attribute objects, made once per (service, value) and handed out again, so the sinks find the series
 * by the object itself (`SeriesByLabels`'s identity path) instead of building a key from a fresh object on every
 * call, retry or rejection. `name` is the counter's second attribute (`outcome`, `outrigger.retry.reason`, …);
 * undefined for a counter with the service alone. Bounded like the series: past MAX_SERIES pairs an object is made
 * afresh each time (the sink then counts it under its overflow series).
 */
export class LabelPairs {
  readonly #name: string | undefined;
  readonly #byService = new Map<string, Map<string, Labels>>();
  #size = 0;
  /** The last pair handed out (most calls repeat the last one's service and value): found with no map lookup. */
  #last: Labels | undefined;
  #lastService = "";
  #lastValue = "";

  constructor(name: string | undefined) {
    this.#name = name;
  }

  /** The attributes `{ outrigger.service: service, [name]: value }` (the service alone when there is no name). */
  of(service: string, value = ""): Labels {
    if (this.#last !== undefined && service === this.#lastService && value === this.#lastValue) return this.#last;
    let byValue = this.#byService.get(service);
    const known = byValue?.get(value);
    if (known !== undefined) return this.#remember(service, value, known);
    const labels: Labels =
      this.#name === undefined ? { [ATTR.service]: service } : { [ATTR.service]: service, [this.#name]: value };
    if (this.#size >= MAX_SERIES) return labels;
    if (byValue === undefined) {
      byValue = new Map();
      this.#byService.set(service, byValue);
    }
    byValue.set(value, labels);
    this.#size++;
    return this.#remember(service, value, labels);
  }

  #remember(service: string, value: string, labels: Labels): Labels {
    this.#last = labels;
    this.#lastService = service;
    this.#lastValue = value;
    return labels;
  }
}
