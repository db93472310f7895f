/**
 * What the orchestrator asks the generator to do: one run, at `ratePerSec` to each of `urls`. Each URL gets a
 * schedule of its own, the i-th of n shifted by i/n of one period (`1000 / ratePerSec` ms), so two variants measured
 * together take turns half a period apart: they share the machine's moments (a stall on the shared host lands on
 * both) without sending at the same instant (scenarios/steady-slots.ts says when the steady phase does this).
 */
export interface RunRequest {
  readonly urls: readonly string[];
  readonly ratePerSec: number;
  /** Load before the measured window (same rate), not recorded: JIT, connection pools and caches warm up. */
  readonly warmupMs: number;
  readonly durationMs: number;
  /** When the (first URL's) schedule starts (epoch ms), so the orchestrator can time faults against it. */
  readonly startAt: number;
  /** Width of the error-timeline buckets. */
  readonly bucketMs: number;
}

/** One bucket of the timeline: requests by intended send time, and how many failed. */
export interface TimelineBucket {
  readonly ok: number;
  readonly errors: number;
}

/** What the generator measured in the window (warm-up excluded). */
export interface RunOutcome {
  readonly sent: number;
  readonly sentOnTime: number;
  readonly ok: number;
  readonly errors: number;
  readonly percentiles: Record<string, number>;
  /** HdrHistogram, compressed base64, in µs. */
  readonly histogram: string;
  /**
   * Per answer that carried the upstream's own time (its `Server-Timing`): the latency from the actual send less
   * that time — what the request spent outside the upstream and the generator: the client service, its client
   * library and governance, a sidecar's hop, loopback. The upstream's service time (an exponential tail on 1 ms
   * timer steps) and the generator's send lateness (its 1 ms tick) are the largest sources of spread in `histogram`
   * and the same on every path; without them the paths' tails can be told apart. Absent in runs before 2026-12.
   */
  readonly pathHistogram?: string;
  readonly timeline: TimelineBucket[];
}

/** Epoch time in ms with sub-millisecond resolution (Date.now() has only whole ms). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Counts outcomes into fixed-width buckets by their offset in the window; offsets outside it are dropped. */
export class TimelineRecorder {
  readonly #ok: number[];
  readonly #errors: number[];

  constructor(
    readonly bucketMs: number,
    buckets: number,
  ) {
    this.#ok = new Array<number>(buckets).fill(0);
    this.#errors = new Array<number>(buckets).fill(0);
  }

  add(offsetMs: number, ok: boolean): void {
    const i = Math.floor(offsetMs / this.bucketMs);
    if (i < 0 || i >= this.#ok.length) return;
    if (ok) this.#ok[i] = (this.#ok[i] as number) + 1;
    else this.#errors[i] = (this.#errors[i] as number) + 1;
  }

  buckets(): TimelineBucket[] {
    return this.#ok.map((ok, i) => ({ ok, errors: this.#errors[i] as number }));
  }
}
