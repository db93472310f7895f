import { readFileSync } from "node:fs";

/** The main thread's own schedstat file (its thread id is the process id): ns run on a CPU, first field. */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * CPU time the main thread alone has run, in ns (Linux `schedstat`: ns resolution, unlike `/proc/…/stat`'s ticks);
 * NaN where the file does not exist. `process.cpuUsage()` counts every thread of the process — V8's concurrent
 * marking and parallel scavenging, its background compiler — which a `--cpu-prof` profile (main thread only)
 * never sees: the two side by side show where a cost is paid.
 */
export function mainThreadNs(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}
