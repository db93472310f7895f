import { PAIRED_SDK_VARIANTS } from "./scenarios/steady-slots.js";
import { SDK_VARIANTS, selectedVariants, type VariantName } from "./scenarios/variant-names.js";

/** What one bench run does; `--quick` shrinks everything for development, flags override single values. */
export interface BenchOptions {
  readonly rates: readonly number[];
  /** Steady repetitions per cell below `FAST_RATE` (each costs 4–10 s there at 12). */
  readonly reps: number;
  /** Repetitions of each failure scenario's arms (each costs ~8 s per variant). */
  readonly failureReps: number;
  /**
   * Steady repetitions per cell at `FAST_RATE` and above, where a repetition costs seconds: the intervals over
   * repetitions narrow with their number, not with longer windows.
   */
  readonly fastReps: number;
  readonly warmupMs: number;
  readonly steadyMs: number;
  readonly failureMs: number;
  readonly failureRate: number;
  readonly overloadRate: number;
  readonly fleetSize: number;
  /**
   * Latency samples each steady cell (a variant at a rate) must pool over its repetitions: each repetition's window
   * is lengthened to reach it (p99.9 needs ≥ 10 000). 0: the window is `steadyMs` whatever the count.
   */
  readonly minSamples: number;
  /** The CPU phase: closed-loop repetitions per variant, each window's length, warm-up, and requests in flight. */
  readonly cpuReps: number;
  readonly cpuMs: number;
  readonly cpuWarmupMs: number;
  readonly concurrency: number;
  /**
   * Closed-loop warm-up (ms, at `concurrency` in flight) of every client started for a CPU or steady repetition: each
   * repetition gets new client processes (`scenarios/fresh.ts`), whose JIT must be warm before they are measured.
   */
  readonly clientWarmupMs: number;
  /**
   * Below this rate (requests/s) the undici SDK variant is measured in one window with its goal's sidecar, their
   * schedules half a period apart (`scenarios/steady-slots.ts`); 0: every variant in a window of its own, as runs
   * before 2026-12-01-paired-1.
   */
  readonly pairedBelow: number;
  /** The SDK variants paired so (default `PAIRED_SDK_VARIANTS`: `sdk-undici`; `--paired=sdk,sdk-undici`). */
  readonly paired: readonly VariantName[];
  readonly only: readonly string[];
  /**
   * The variants the CPU and steady phases run (default: all); their baselines are always added. For short checks:
   * the fast rates are out of reach of the axios clients, which without the CPU phase would still be offered them.
   */
  readonly variants: readonly string[];
  /** Folder under results/ to write to (default: the date); a partial run should not replace a full report. */
  readonly out?: string;
  /**
   * Failure runs also write every upstream's requests (arrival, answer, status, in flight) to
   * `results/<out>/traces/<scenario>-<arm>-<rep>.json`, for `bench:trace` (`--trace-upstreams`; off by default).
   */
  readonly traceUpstreams: boolean;
}

/** Rates at or above this (requests/s) get `fastReps` repetitions: a window of 10 000 samples lasts seconds. */
export const FAST_RATE = 1_000;

// The machine has 2 cores and is shared. 1 000/s and 2 000/s are rates the undici clients can reach there; a cell
// above 80% of its variant's closed-loop capacity (the CPU phase) is not run open loop (see scenarios/steady.ts).
// Run 2026-11-30-full-1 had 6 repetitions of 4 s at those rates: 24 000–48 000 samples per cell, yet intervals over
// 6 repetitions too wide to exclude 0. Now 20 repetitions of 1.5 s (30 000–60 000 samples) cost about as much.
const FULL: BenchOptions = {
  rates: [100, 200, 300, 1_000, 2_000],
  // 24 below FAST_RATE from full-22 on (decided 2026-12-04 before that run): pairs at 12 (full-18/19, full-20/21)
  // agreed on 29–32 of 33 verdicts, the rest near-ties at 100–300/s whose intervals just reached the margin; the same
  // samples in twice the repetitions narrow intervals over repetitions by about √2 (12 since the 2026-12-01 pair).
  reps: 24,
  failureReps: 6,
  fastReps: 20,
  warmupMs: 1_000,
  // The shortest window: below FAST_RATE the sample count sets it (100/s: 9.1 s for 10 000 over 12 − 1 repetitions).
  steadyMs: 1_500,
  failureMs: 6_000,
  failureRate: 200,
  // Three upstreams shedding above 2 in flight at ~20 ms: ~300/s of capacity; 450/s is 1.5× overload.
  overloadRate: 450,
  fleetSize: 3,
  minSamples: 10_000,
  cpuReps: 15,
  cpuMs: 2_000,
  cpuWarmupMs: 500,
  concurrency: 32,
  clientWarmupMs: 1_500,
  pairedBelow: FAST_RATE,
  paired: PAIRED_SDK_VARIANTS,
  only: [],
  variants: [],
  traceUpstreams: false,
};

/** A few minutes: every phase once, too few repetitions and samples for any verdict (all come out inconclusive). */
const QUICK: BenchOptions = {
  ...FULL,
  rates: [100, 1_000],
  reps: 1,
  failureReps: 1,
  fastReps: 3,
  warmupMs: 300,
  steadyMs: 1_000,
  failureMs: 5_000,
  minSamples: 0,
  cpuReps: 3,
  cpuMs: 1_000,
  cpuWarmupMs: 300,
  clientWarmupMs: 300,
};

/** A flag's whole number ≥ 0 (0 turns the thing off), or an error naming the flag and what it takes (`what`). */
function wholeNumber(value: string, flag: string, what: string): number {
  const n = value === "" ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} takes ${what} ≥ 0, got "${value}"`);
  return n;
}

function numbers(value: string, flag: string): number[] {
  const list = value.split(",").map(Number);
  if (list.length === 0 || list.some((n) => !(n > 0)))
    throw new Error(`${flag} takes positive numbers, got "${value}"`);
  return list;
}

/**
 * Parses `--quick`, `--reps=N`, `--failure-reps=N`, `--fast-reps=N`, `--rates=a,b`, `--duration=ms`, `--failure-duration=ms`, `--min-samples=N`,
 * `--cpu-reps=N`, `--cpu-duration=ms`, `--concurrency=N`, `--client-warmup=ms`, `--paired-below=N`, `--paired=a,b`, `--only=cpu,steady,kill`, `--variants=a,b`, `--out=name`, `--trace-upstreams`.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let options = argv.includes("--quick") ? QUICK : FULL;
  for (const arg of argv) {
    const [flag, value = ""] = arg.split("=", 2) as [string, string?];
    switch (flag) {
      case "--":
      case "--quick":
        break;
      case "--trace-upstreams":
        options = { ...options, traceUpstreams: true };
        break;
      case "--reps":
        options = { ...options, reps: numbers(value, flag)[0] as number };
        break;
      case "--failure-reps":
        options = { ...options, failureReps: numbers(value, flag)[0] as number };
        break;
      case "--fast-reps":
        options = { ...options, fastReps: numbers(value, flag)[0] as number };
        break;
      case "--rates":
        options = { ...options, rates: numbers(value, flag) };
        break;
      case "--duration":
        options = { ...options, steadyMs: numbers(value, flag)[0] as number };
        break;
      case "--failure-duration":
        options = { ...options, failureMs: numbers(value, flag)[0] as number };
        break;
      case "--min-samples":
        options = { ...options, minSamples: wholeNumber(value, flag, "a count") };
        break;
      case "--cpu-reps":
        options = { ...options, cpuReps: numbers(value, flag)[0] as number };
        break;
      case "--cpu-duration":
        options = { ...options, cpuMs: numbers(value, flag)[0] as number };
        break;
      case "--concurrency":
        options = { ...options, concurrency: numbers(value, flag)[0] as number };
        break;
      case "--client-warmup":
        options = { ...options, clientWarmupMs: wholeNumber(value, flag, "milliseconds") };
        break;
      case "--paired-below":
        options = { ...options, pairedBelow: wholeNumber(value, flag, "a rate") };
        break;
      case "--paired": {
        const paired = value.split(",").filter(Boolean) as VariantName[];
        const unknown = paired.filter((v) => !(SDK_VARIANTS as readonly string[]).includes(v));
        if (unknown.length > 0)
          throw new Error(`--paired takes SDK variants (${SDK_VARIANTS.join(", ")}), got "${unknown.join(", ")}"`);
        options = { ...options, paired };
        break;
      }
      case "--only":
        options = { ...options, only: value.split(",").filter(Boolean) };
        break;
      case "--variants":
        options = { ...options, variants: selectedVariants(value.split(",").filter(Boolean)) };
        break;
      case "--out":
        if (!/^[\w.-]+$/.test(value))
          throw new Error(`--out takes a folder name (letters, digits, . _ -), got "${value}"`);
        options = { ...options, out: value };
        break;
      default:
        throw new Error(
          `unknown option ${arg}: use --quick, --reps=N, --failure-reps=N, --fast-reps=N, --rates=a,b, --duration=ms, --failure-duration=ms, --min-samples=N, --cpu-reps=N, --cpu-duration=ms, --concurrency=N, --client-warmup=ms, --paired-below=N, --paired=…, --only=…, --variants=…, --out=name, --trace-upstreams`,
        );
    }
  }
  return options;
}

/** Steady repetitions of each cell at `rate`: `fastReps` at `FAST_RATE` and above, else `reps`. */
export function repsAt(rate: number, options: BenchOptions): number {
  return rate >= FAST_RATE ? options.fastReps : options.reps;
}

/**
 * The measured window of each repetition at `rate`: long enough that the repetitions together (`repsAt`) pool at
 * least `minSamples` latencies per cell (p99.9 needs ≥ 10 000) even when one of them is dropped for sending late
 * (the acceptance rule, `load/acceptance.ts`), and never shorter than `steadyMs`.
 */
export function windowMsFor(rate: number, options: BenchOptions): number {
  // One repetition of slack: run 2026-12-01-fresh-1 lost one of 12 at 300/s and its p99.9 cells pooled 9 174
  // latencies, too few for a verdict. A single repetition has no slack to give.
  const counted = Math.max(1, repsAt(rate, options) - 1);
  // Whole requests per repetition first: the schedule sends floor(rate × window) requests, so rounding the window
  // alone left 6 × 1 666 = 9 996 samples at 100/s, short of the 10 000 a p99.9 needs.
  const perRep = Math.ceil(options.minSamples / counted);
  const needed = Math.ceil((perRep * 1000) / rate);
  return Math.max(options.steadyMs, needed);
}
