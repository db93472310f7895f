import { describe, expect, it } from "vitest";
import { parseSchedstatNs, parseStat, readUsage } from "./usage.js";

describe("process usage from /proc", () => {
  it("parses stat's utime and stime after a command name with spaces", () => {
    const stat = "42 (node (worker) x) S 1 42 42 0 -1 4194304 100 0 0 0 250 31 0 0 20 0 11 0 5 0";
    expect(parseStat(stat)).toEqual({ utime: 250, stime: 31 });
  });

  it("parses schedstat's run time in nanoseconds", () => {
    expect(parseSchedstatNs("2162602113 825767 13\n")).toBe(2_162_602_113);
  });

  it("measures this process's CPU in nanoseconds, not in 10 ms ticks, and agrees with getrusage", () => {
    const started = process.cpuUsage();
    const before = readUsage(process.pid).cpuMs;
    let x = 0;
    for (let i = 0; i < 4e6; i++) x += Math.sqrt(i);
    const after = readUsage(process.pid).cpuMs;
    const used = process.cpuUsage(started);
    expect(x).toBeGreaterThan(0);
    expect(after % 10).not.toBe(0); // stat's ticks are whole multiples of 10 ms
    // schedstat of a running thread lags by up to one scheduler tick (4 ms at HZ=250, 10 at HZ=100); getrusage not.
    expect(Math.abs(after - before - (used.user + used.system) / 1000)).toBeLessThan(10);
  });
});
