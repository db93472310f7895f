import * as hdr from "hdr-histogram-js";
import type { Measurement } from "../scenarios/measure.js";
import { roundOrder } from "../scenarios/steady-plan.js";

/** One variant's windows at one rate that had one place in their pass (or round). */
export interface WindowOrderRow {
  readonly rate: string;
  readonly variant: string;
  /** 0: the first window after the clients were started and warmed (see `windowOrder`). */
  readonly place: number;
  readonly windows: number;
  /** Median over the windows of the path p99 (upstream time excluded; the end-to-end p99 without it), ms. */
  readonly p99Ms: number;
  /** Median over the windows of the client's largest event-loop delay, ms (NaN without diagnostics). */
  readonly loopDelayMaxMs: number;
}

/** What `windowOrder` reads of a run's `raw.json`. */
export interface RecordedSteady {
  readonly steady: Record<string, Record<string, readonly Measurement[]>>;
}

const median = (xs: readonly number[]): number => {
  const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor(sorted.length / 2)] as number);
};

function p99Of(m: Measurement): number {
  if (m.pathHistogram === undefined) return m.percentiles.p99 ?? Number.NaN;
  return hdr.decodeFromCompressedBase64(m.pathHistogram, 32, false).getValueAtPercentile(99) / 1000;
}

/**
 * Each cell's windows grouped by their place in the pass that measured them (`Measurement.windowInPass`): a harness
 * that disturbs the first window after the clients start and warm up (run 2026-12-03-memory-reducer-gc-trace: V8's
 * memory reducer in idle processes) shows here as place 0 with a higher p99 than the rest. A run recorded before
 * `windowInPass` existed has the variant's place in its round instead — `order` is the round's variants before
 * rotation (`selectedVariants`), rotated per repetition as `runSteady` does (`roundOrder`) — which is the
 * place in the pass only for a run with one rate and no shared windows (`--only=steady --rates=R`, R ≥ the paired
 * rate).
 */
export function windowOrder(run: RecordedSteady, order: readonly string[]): WindowOrderRow[] {
  const rows: WindowOrderRow[] = [];
  for (const [rate, byVariant] of Object.entries(run.steady)) {
    for (const [variant, windows] of Object.entries(byVariant)) {
      const byPlace = new Map<number, Measurement[]>();
      windows.forEach((m, rep) => {
        const place = m.windowInPass ?? roundOrder(order, rep).indexOf(variant);
        const same = byPlace.get(place);
        if (same) same.push(m);
        else byPlace.set(place, [m]);
      });
      for (const [place, ms] of [...byPlace].sort(([a], [b]) => a - b)) {
        rows.push({
          rate,
          variant,
          place,
          windows: ms.length,
          p99Ms: median(ms.map(p99Of)),
          loopDelayMaxMs: median(ms.map((m) => m.diagnostics?.loopDelayMaxMs ?? Number.NaN)),
        });
      }
    }
  }
  return rows;
}

/** The rows as a Markdown table. */
export function windowOrderMarkdown(rows: readonly WindowOrderRow[]): string {
  const lines = [
    "| rate | variant | place in pass | windows | median p99 (ms) | median loop delay max (ms) |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.rate} | ${r.variant} | ${r.place} | ${r.windows} | ${r.p99Ms.toFixed(2)} | ${r.loopDelayMaxMs.toFixed(2)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
