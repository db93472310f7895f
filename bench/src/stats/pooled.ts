import hdr from "hdr-histogram-js";
import { createHistogram } from "./histogram.js";

/** The parts of HdrHistogram's JS implementation a pooled cell reads (public methods, not in the typings). */
interface CountsView {
  readonly countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
}

/** One repetition's histogram as its non-empty buckets: positions in the cell's bucket list, and counts. */
interface SparseRep {
  readonly positions: Int32Array;
  readonly counts: Float64Array;
  readonly total: number;
}

/**
 * The histograms of one cell (a variant at a rate, one per repetition), kept so that percentiles can be read over
 * any multiset of repetitions quickly — pooled over all of them for the figure, over resamples for its interval.
 * Percentiles follow HdrHistogram's `getValueAtPercentile` (count at percentile rounded, highest equivalent value).
 */
export class PooledCell {
  readonly #reps: SparseRep[] = [];
  readonly #valuesUs: Float64Array;
  readonly #acc: Float64Array;

  constructor(encoded: readonly string[]) {
    const decoded = encoded.map((e) => {
      const h = createHistogram();
      h.add(hdr.decodeFromCompressedBase64(e, 32, false));
      return h as unknown as CountsView;
    });
    const used = new Map<number, number>();
    for (const h of decoded) {
      for (let i = 0; i < h.countsArrayLength; i++) if (h.getCountAtIndex(i) > 0) used.set(i, 0);
    }
    const indices = [...used.keys()].sort((a, b) => a - b);
    for (const [position, index] of indices.entries()) used.set(index, position);
    const layout = decoded[0];
    this.#valuesUs = Float64Array.from(indices, (i) => layout?.highestEquivalentValue(layout.valueFromIndex(i)) ?? 0);
    this.#acc = new Float64Array(indices.length);
    for (const h of decoded) {
      const positions: number[] = [];
      const counts: number[] = [];
      let total = 0;
      for (const index of indices) {
        const c = h.getCountAtIndex(index);
        if (c === 0) continue;
        positions.push(used.get(index) as number);
        counts.push(c);
        total += c;
      }
      this.#reps.push({ positions: Int32Array.from(positions), counts: Float64Array.from(counts), total });
    }
  }

  get reps(): number {
    return this.#reps.length;
  }

  /** Samples in the repetitions at `indices` (all by default). */
  count(indices: readonly number[] = this.#all()): number {
    return indices.reduce((n, i) => n + (this.#reps[i]?.total ?? 0), 0);
  }

  /** Percentiles (e.g. 99, 99.9) in ms over the repetitions at `indices` (all by default); NaN with no samples. */
  percentilesMs(percentiles: readonly number[], indices: readonly number[] = this.#all()): number[] {
    const acc = this.#acc;
    acc.fill(0);
    let total = 0;
    for (const i of indices) {
      const rep = this.#reps[i];
      if (!rep) continue;
      for (let k = 0; k < rep.positions.length; k++) {
        const position = rep.positions[k] as number;
        acc[position] = (acc[position] as number) + (rep.counts[k] as number);
      }
      total += rep.total;
    }
    if (total === 0) return percentiles.map(() => Number.NaN);
    const targets = percentiles.map((p) => Math.max(1, Math.floor((Math.min(p, 100) / 100) * total + 0.5)));
    const out = percentiles.map(() => Number.NaN);
    let cumulative = 0;
    let next = 0;
    const order = targets.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
    for (let k = 0; k < acc.length && next < order.length; k++) {
      cumulative += acc[k] as number;
      while (next < order.length && cumulative >= (order[next] as readonly [number, number])[0]) {
        out[(order[next] as readonly [number, number])[1]] = (this.#valuesUs[k] as number) / 1000;
        next += 1;
      }
    }
    return out;
  }

  #all(): number[] {
    return this.#reps.map((_, i) => i);
  }
}
