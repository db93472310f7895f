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
  readonly only: readonly string[];
  /** Folder under results/ to write to (default: the date); a partial run should not replace a full report. */
  readonly out?: string;
}

// Modest defaults: the machine has 2 cores and is shared; these rates stay below the knee seen there.
const FULL: BenchOptions = {
  rates: [100, 200, 300],
  reps: 5,
  warmupMs: 1_000,
  steadyMs: 4_000,
  failureMs: 6_000,
  failureRate: 200,
  // Three upstreams shedding above 2 in flight at ~20 ms: ~300/s of capacity; 450/s is 1.5× overload.
  overloadRate: 450,
  fleetSize: 3,
  only: [],
};

const QUICK: BenchOptions = { ...FULL, rates: [100, 200], reps: 1, warmupMs: 300, steadyMs: 1_000, failureMs: 5_000 };

function numbers(value: string, flag: string): number[] {
  const list = value.split(",").map(Number);
  if (list.length === 0 || list.some((n) => !(n > 0)))
    throw new Error(`${flag} takes positive numbers, got "${value}"`);
  return list;
}

/**
 * Parses `--quick`, `--reps=N`, `--rates=a,b`, `--duration=ms`, `--failure-duration=ms`, `--only=steady,kill`,
 * `--out=name`.
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
          `unknown option ${arg}: use --quick, --reps=N, --rates=a,b, --duration=ms, --failure-duration=ms, --only=…, --out=name`,
        );
    }
  }
  return options;
}
