import { describe, expect, it } from "vitest";
import { parseOptions } from "../options.js";
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
});
