import { describe, expect, it } from "vitest";
import { FAST_RATE, parseOptions, repsAt, windowMsFor } from "../options.js";
import { checkRate } from "./acceptance.js";
import { TimelineRecorder } from "./run.js";
import { createSchedule, dueCount, intendedSendMs } from "./schedule.js";

describe("open-loop schedule", () => {
  const schedule = createSchedule(1_000, 100, 1_000); // 100 requests, one every 10 ms

  it("fixes every send time in advance", () => {
    expect(schedule.total).toBe(100);
    expect(intendedSendMs(schedule, 0)).toBe(1_000);
    expect(intendedSendMs(schedule, 25)).toBe(1_250);
  });

  it("sends everything due at once after a stall instead of stretching the schedule", () => {
    expect(dueCount(schedule, 999, 0)).toBe(0);
    expect(dueCount(schedule, 1_000, 0)).toBe(1);
    // The sender stalled 100 ms after its first request: ten more are due now, not one.
    expect(dueCount(schedule, 1_100, 1)).toBe(10);
    expect(dueCount(schedule, 5_000, 40)).toBe(60);
  });

  it("rejects nonsense rates", () => {
    expect(() => createSchedule(0, 0, 1_000)).toThrow(/positive/);
  });
});

describe("rate acceptance", () => {
  it("accepts at 99% of the target and rejects below it", () => {
    expect(checkRate(1_000, 990, 1_000).accepted).toBe(true);
    const rejected = checkRate(1_000, 989, 1_000);
    expect(rejected.accepted).toBe(false);
    expect(rejected.reason).toMatch(/below 99% of 1000\/s/);
  });
});

describe("error timeline", () => {
  it("buckets outcomes by offset and drops those outside the window", () => {
    const t = new TimelineRecorder(100, 3);
    t.add(0, true);
    t.add(150, false);
    t.add(299, false);
    t.add(300, false);
    t.add(-1, true);
    expect(t.buckets()).toEqual([
      { ok: 1, errors: 0 },
      { ok: 0, errors: 1 },
      { ok: 0, errors: 1 },
    ]);
  });
});

describe("bench options", () => {
  it("takes --quick and overrides, ignores pnpm's --, and rejects unknown flags", () => {
    const quick = parseOptions(["--", "--quick", "--rates=50,75", "--reps=2", "--only=kill"]);
    expect(quick.rates).toEqual([50, 75]);
    expect(quick.reps).toBe(2);
    expect(quick.only).toEqual(["kill"]);
    expect(parseOptions(["--out=kill-2026-11-22"]).out).toBe("kill-2026-11-22");
    expect(() => parseOptions(["--out=../x"])).toThrow(/folder name/);
    expect(parseOptions([]).reps).toBeGreaterThanOrEqual(5);
    expect(() => parseOptions(["--rates=0"])).toThrow(/positive/);
    expect(() => parseOptions(["--fast"])).toThrow(/unknown option/);
  });

  it("pools ≥ 10 000 samples per cell in a full run, adds 1 000/s and 2 000/s, and takes the CPU phase's flags", () => {
    const full = parseOptions([]);
    expect(full.minSamples).toBe(10_000);
    expect(full.rates).toEqual([100, 200, 300, 1_000, 2_000]);
    expect(full.cpuReps).toBeGreaterThanOrEqual(10);
    const set = parseOptions(["--min-samples=0", "--cpu-reps=7", "--cpu-duration=500", "--concurrency=8"]);
    expect([set.minSamples, set.cpuReps, set.cpuMs, set.concurrency]).toEqual([0, 7, 500, 8]);
    expect(() => parseOptions(["--min-samples=-1"])).toThrow(/count ≥ 0/);
    expect(() => parseOptions(["--min-samples="])).toThrow(/count ≥ 0/);
  });

  it("warms every new client for --client-warmup ms and repeats the failure scenarios --failure-reps times", () => {
    const full = parseOptions([]);
    expect(full.clientWarmupMs).toBeGreaterThan(0);
    expect(full.failureReps).toBe(6);
    const set = parseOptions(["--client-warmup=0", "--failure-reps=2", "--reps=3"]);
    expect([set.clientWarmupMs, set.failureReps, set.reps]).toEqual([0, 2, 3]);
    expect(() => parseOptions(["--client-warmup=-5"])).toThrow(/--client-warmup takes milliseconds ≥ 0/);
    expect(() => parseOptions(["--client-warmup=1.5"])).toThrow(/milliseconds ≥ 0/);
    expect(() => parseOptions(["--failure-reps=0"])).toThrow(/positive/);
  });

  it("lengthens each repetition's window so the repetitions pool the minimum sample count", () => {
    const full = parseOptions(["--reps=5"]);
    expect(windowMsFor(100, full)).toBe(25_000); // 10 000 samples / (5 − 1 reps) / 100 per s: one may be late
    expect(windowMsFor(2_000, full)).toBe(full.steadyMs); // 500 per rep (20 reps) in 0.25 s: the floor wins
    expect(windowMsFor(100, parseOptions(["--quick"]))).toBe(1_000);
  });

  it("gives the fast rates many short repetitions (intervals over 6 could not exclude 0 in run 2026-11-30-full-1)", () => {
    const full = parseOptions([]);
    expect(repsAt(300, full)).toBe(full.reps);
    for (const rate of [FAST_RATE, 2_000]) expect(repsAt(rate, full)).toBeGreaterThanOrEqual(12);
    const set = parseOptions(["--reps=3", "--fast-reps=14"]);
    expect([repsAt(100, set), repsAt(1_000, set)]).toEqual([3, 14]);
    expect(() => parseOptions(["--fast-reps=0"])).toThrow(/positive/);
  });

  it("pairs sdk-undici's window (or --paired's) with its sidecar's below --paired-below (1 000/s unless told; 0 never)", () => {
    expect(parseOptions([]).pairedBelow).toBe(FAST_RATE);
    expect(parseOptions(["--paired-below=0"]).pairedBelow).toBe(0);
    expect(parseOptions(["--quick", "--paired-below=500"]).pairedBelow).toBe(500);
    expect(() => parseOptions(["--paired-below=fast"])).toThrow(/--paired-below takes a rate ≥ 0/);
    expect(parseOptions([]).paired).toEqual(["sdk-undici"]);
    expect(parseOptions(["--paired=sdk,sdk-undici"]).paired).toEqual(["sdk", "sdk-undici"]);
    expect(() => parseOptions(["--paired=direct"])).toThrow(
      /--paired takes SDK variants \(sdk, sdk-undici\), got "direct"/,
    );
  });

  it("narrows a run to some variants, always with their baselines, and names the variants on a typo", () => {
    expect(parseOptions([]).variants).toEqual([]);
    expect(parseOptions(["--variants=haproxy-http-undici,sdk-undici"]).variants).toEqual([
      "direct-undici",
      "sdk-undici",
      "haproxy-http-undici",
    ]);
    expect(() => parseOptions(["--variants=sdk-undici,haproxy-undici"])).toThrow(
      /unknown variant haproxy-undici; the variants are direct, direct-undici, sdk, sdk-axios-http, sdk-undici, haproxy-http, haproxy-http-undici, haproxy-tcp/,
    );
  });

  it("pools at least the minimum at every rate with one repetition dropped, as the schedule counts requests", () => {
    // 10 000 / 6 reps is not whole: a window rounded on its own gave 6 × 1 666 = 9 996 at 100/s (run 2026-11-30).
    const full = parseOptions([]);
    for (const options of [full, parseOptions(["--reps=6"])])
      for (const rate of [100, 200, 300, 700, 1_000, 2_000, 3_000]) {
        const perRep = createSchedule(0, rate, windowMsFor(rate, options)).total;
        // Run 2026-12-01-fresh-1 dropped one late repetition of 12 at 300/s and pooled 9 174: one may go.
        expect(perRep * (repsAt(rate, options) - 1), `${rate}/s`).toBeGreaterThanOrEqual(options.minSamples);
      }
  });
});
