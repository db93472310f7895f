import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream Linux build). */
const TICKS_PER_SEC = 100;

/** CPU time and memory of one process at one moment. */
export interface ProcessUsage {
  /** User + system CPU time in ms since the process started. */
  readonly cpuMs: number;
  /** Resident set size in MB. */
  readonly rssMb: number;
}

/** Parses /proc/<pid>/stat: fields 14 and 15 (utime, stime) counted after the `(comm)` that may hold spaces. */
export function parseStat(stat: string): { utime: number; stime: number } {
  const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // afterComm[0] is field 3 (state), so field n is afterComm[n - 3].
  return { utime: Number(afterComm[11]), stime: Number(afterComm[12]) };
}

/** Parses VmRSS (kB) from /proc/<pid>/status. */
export function parseRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** Parses the first field of /proc/<pid>/task/<tid>/schedstat: nanoseconds the thread ran on a CPU. */
export function parseSchedstatNs(schedstat: string): number {
  return Number(schedstat.split(" ")[0]);
}

/**
 * CPU time of every live thread of `pid` in ms, from schedstat (nanosecond resolution), or undefined where the kernel
 * keeps no schedstat. The 10 ms ticks of /proc/<pid>/stat are too coarse for a few ms of CPU per window: at 300
 * requests/s for 4 s, one tick is ~8% of a variant's governance CPU.
 */
function threadsCpuMs(pid: number): number | undefined {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8"));
    } catch {
      // The thread ended between the listing and the read: its time is lost either way.
    }
  }
  return ns > 0 && Number.isFinite(ns) ? ns / 1e6 : undefined;
}

/** Reads a live process's usage from /proc: CPU from schedstat where the kernel has it, else from stat's ticks. */
export function readUsage(pid: number): ProcessUsage {
  const rssKb = parseRssKb(readFileSync(`/proc/${pid}/status`, "utf8"));
  const precise = threadsCpuMs(pid);
  if (precise !== undefined) return { cpuMs: precise, rssMb: rssKb / 1024 };
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  return { cpuMs: ((utime + stime) * 1000) / TICKS_PER_SEC, rssMb: rssKb / 1024 };
}

/** Sums the usage of several processes (client + sidecar + its agent). */
export function readUsageOf(pids: readonly number[]): ProcessUsage {
  let cpuMs = 0;
  let rssMb = 0;
  for (const pid of pids) {
    const u = readUsage(pid);
    cpuMs += u.cpuMs;
    rssMb += u.rssMb;
  }
  return { cpuMs, rssMb };
}
