import { availableParallelism, loadavg } from "node:os";

/** "load average 1.07, 1.23, 1.40 on 2 cores": the line every benchmark prints, since these machines are shared. */
export function loadAverageLine(): string {
  const [one, five, fifteen] = loadavg().map((x) => x.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen} on ${availableParallelism()} cores`;
}
