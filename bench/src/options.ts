/** What one bench run does; `--quick` shrinks everything for development, flags override single values. */
export interface BenchOptions {
  readonly rates: readonly number[];
  readonly reps: number;
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
  readonly only: readonly string[];
  /** Folder under results/ to write to (default: the date); a partial run should not replace a full report. */
  readonly out?: string;
}

// The machine has 2 cores and is shared. 1 000/s and 2 000/s are rates the undici clients can reach there; a cell
// above 80% of its variant's closed-loop capacity (the CPU phase) is not run open loop (see scenarios/steady.ts).
const FULL: BenchOptions = {
  rates: [100, 200, 300, 1_000, 2_000],
  reps: 6,
  warmupMs: 1_000,
  steadyMs: 4_000,
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
  only: [],
};

/** A few minutes: every phase once, too few repetitions and samples for any verdict (all come out inconclusive). */
const QUICK: BenchOptions = {
  ...FULL,
  rates: [100, 1_000],
  reps: 1,
  warmupMs: 300,
  steadyMs: 1_000,
  failureMs: 5_000,
  minSamples: 0,
  cpuReps: 3,
  cpuMs: 1_000,
  cpuWarmupMs: 300,
};

function numbers(value: string, flag: string): number[] {
  const list = value.split(",").map(Number);
  if (list.length === 0 || list.some((n) => !(n > 0)))
    throw new Error(`${flag} takes positive numbers, got "${value}"`);
  return list;
}

/**
 * Parses `--quick`, `--reps=N`, `--rates=a,b`, `--duration=ms`, `--failure-duration=ms`, `--min-samples=N`,
 * `--cpu-reps=N`, `--cpu-duration=ms`, `--concurrency=N`, `--only=cpu,steady,kill`, `--out=name`.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let options = argv.includes("--quick") ? QUICK : FULL;
  for (const arg of argv) {
    const [flag, value = ""] = arg.split("=", 2) as [string, string?];
    switch (flag) {
      case "--":
      case "--quick":
        break;
      case "--reps":
        options = { ...options, reps: numbers(value, flag)[0] as number };
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
      case "--min-samples": {
        const count = value === "" ? Number.NaN : Number(value);
        if (!Number.isInteger(count) || count < 0) throw new Error(`${flag} takes a count ≥ 0, got "${value}"`);
        options = { ...options, minSamples: count };
        break;
      }
      case "--cpu-reps":
        options = { ...options, cpuReps: numbers(value, flag)[0] as number };
        break;
      case "--cpu-duration":
        options = { ...options, cpuMs: numbers(value, flag)[0] as number };
        break;
      case "--concurrency":
        options = { ...options, concurrency: numbers(value, flag)[0] as number };
        break;
      case "--only":
        options = { ...options, only: value.split(",").filter(Boolean) };
        break;
      case "--out":
        if (!/^[\w.-]+$/.test(value))
          throw new Error(`--out takes a folder name (letters, digits, . _ -), got "${value}"`);
        options = { ...options, out: value };
        break;
      default:
        throw new Error(
          `unknown option ${arg}: use --quick, --reps=N, --rates=a,b, --duration=ms, --failure-duration=ms, --min-samples=N, --cpu-reps=N, --cpu-duration=ms, --concurrency=N, --only=…, --out=name`,
        );
    }
  }
  return options;
}

/**
 * The measured window of each repetition at `rate`: long enough that the repetitions together pool at least
 * `minSamples` latencies per cell (p99.9 needs ≥ 10 000), and never shorter than `steadyMs`.
 */
export function windowMsFor(rate: number, options: BenchOptions): number {
  // Whole requests per repetition first: the schedule sends floor(rate × window) requests, so rounding the window
  // alone left 6 × 1 666 = 9 996 samples at 100/s, short of the 10 000 a p99.9 needs.
  const perRep = Math.ceil(options.minSamples / options.reps);
  const needed = Math.ceil((perRep * 1000) / rate);
  return Math.max(options.steadyMs, needed);
}
