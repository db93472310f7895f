import { readFileSync } from "node:fs";

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

/** Reads a live process's usage from /proc. */
export function readUsage(pid: number): ProcessUsage {
  const { utime, stime } = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  const rssKb = parseRssKb(readFileSync(`/proc/${pid}/status`, "utf8"));
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
