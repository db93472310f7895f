// What both registry benches share: a JSON request, and a process's CPU time and memory read from Linux's /proc.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Sends `body` as JSON with `method`, reads the answer whole, resolves its status. */
export async function sendJson(url: string, method: string, body?: unknown): Promise<number> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Linux's USER_HZ, the unit of /proc/PID/stat times, is 100 on every common build. */
const CLOCK_TICKS = 100;

/** CPU time (user + system, all threads) a process has used, in µs, from /proc (Linux); 0 elsewhere. */
export function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of the stat line, 12 and 13 after the command name; in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** A process's resident set and its peak so far, in MB (Linux /proc); NaN when it cannot be read. */
export function memoryOf(pid: number | undefined): { rssMb: number; peakMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
  } catch {
    return { rssMb: Number.NaN, peakMb: Number.NaN };
  }
}

/**
 * One wrk round of `seconds` (one thread, 50 connections): requests/s, failures, and the server's CPU time per
 * request. On a shared machine requests/s depends on how much CPU the server got; CPU per request does not, so it
 * is the steadier figure of the two.
 */
export async function wrk(
  url: string,
  pid: number,
  seconds: number,
  script?: string,
): Promise<{ rps: number; non2xx: number; cpuUs: number }> {
  const args = ["-t1", "-c50", `-d${seconds}s`, ...(script ? ["-s", script] : []), url];
  const before = cpuMicros(pid);
  const { stdout } = await run("wrk", args);
  const used = cpuMicros(pid) - before;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  return { rps, non2xx, cpuUs: requests > 0 ? used / requests : 0 };
}
