import { redactSecrets } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";

/** What the metrics keep per instance: plain numbers the request path bumps, read when scraped. */
export interface InstanceSeries {
  /** Label values, redacted once. */
  readonly service: string;
  readonly instance: string;
  active: number;
  /** Attempts by outcome: success, failure, cancelled. */
  readonly requests: Float64Array;
  /** Per outcome (success, failure): count in each latency bucket (not cumulative), then sum in ms. */
  readonly buckets: readonly [Float64Array, Float64Array];
  readonly sumMs: Float64Array;
}

/**
 * Every instance's series, found by the instance object first (one WeakMap lookup per event) and by service and
 * id after a discovery refresh hands out new objects, so counts carry over.
 */
export class SeriesTable {
  readonly #byObject = new WeakMap<ServiceInstance, InstanceSeries>();
  readonly #byKey = new Map<string, InstanceSeries>();
  readonly #labels = new Map<string, string>();

  constructor(
    /** Latency bucket upper bounds, in ms, ascending. */
    readonly bounds: readonly number[],
  ) {}

  /** A label value made safe (credentials redacted), cached. */
  label(text: string): string {
    let safe = this.#labels.get(text);
    if (safe === undefined) {
      safe = redactSecrets(text);
      if (this.#labels.size < 10_000) this.#labels.set(text, safe);
    }
    return safe;
  }

  of(instance: ServiceInstance): InstanceSeries {
    let s = this.#byObject.get(instance);
    if (s) return s;
    const key = `${instance.service}\u0000${instance.id}`;
    s = this.#byKey.get(key);
    if (!s) {
      s = {
        service: this.label(instance.service),
        instance: this.label(instance.id),
        active: 0,
        requests: new Float64Array(3),
        buckets: [new Float64Array(this.bounds.length + 1), new Float64Array(this.bounds.length + 1)],
        sumMs: new Float64Array(2),
      };
      this.#byKey.set(key, s);
    }
    this.#byObject.set(instance, s);
    return s;
  }

  /** Counts one ended attempt (0 success, 1 failure) and its RTT, when it has one. */
  record(s: InstanceSeries, outcome: 0 | 1, rttMs: number | undefined): void {
    s.requests[outcome] = (s.requests[outcome] as number) + 1;
    if (rttMs === undefined) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && rttMs > (bounds[i] as number)) i++;
    const buckets = s.buckets[outcome];
    buckets[i] = (buckets[i] as number) + 1;
    s.sumMs[outcome] = (s.sumMs[outcome] as number) + rttMs;
  }

  all(): IterableIterator<InstanceSeries> {
    return this.#byKey.values();
  }
}
