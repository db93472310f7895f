import type { Arm } from "./transport-arms.js";

/** One arm's figures over one cell: client CPU per request (µs), requests per second, failed requests. */
export interface Cell {
  cpuUs: number;
  perSecond: number;
  failed: number;
}

/** Closed loop: `concurrency` workers send `total` requests in all. */
async function closedLoop(arm: Arm, total: number, concurrency: number): Promise<Cell> {
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await arm.send().catch(() => failed++);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return finish(cpu, started, total, failed);
}

/** Open loop: one request every 1 ms (1 000/s) until `total` were started, whatever the answers' pace. */
async function fixedRate(arm: Arm, total: number): Promise<Cell> {
  let failed = 0;
  const pending: Promise<unknown>[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(arm.send().catch(() => failed++));
  }
  await Promise.all(pending);
  return finish(cpu, started, total, failed);
}

/** CPU is process.cpuUsage() of the process the arm runs in, around the cell. */
function finish(cpu: NodeJS.CpuUsage, started: number, total: number, failed: number): Cell {
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { cpuUs: (used.user + used.system) / total, perSecond: total / seconds, failed };
}

/** The benchmark's modes, in the order each round runs them. */
export const MODES = [
  { name: "c32", openLoop: false, run: (arm: Arm, total: number) => closedLoop(arm, total, 32) },
  { name: "c128", openLoop: false, run: (arm: Arm, total: number) => closedLoop(arm, total, 128) },
  { name: "1000/s", openLoop: true, run: (arm: Arm, total: number) => fixedRate(arm, total) },
] as const;

export type ModeName = (typeof MODES)[number]["name"];

/** Runs one cell of `mode`. */
export function runCell(arm: Arm, mode: ModeName, total: number): Promise<Cell> {
  const found = MODES.find((m) => m.name === mode);
  if (!found) throw new Error(`no mode "${mode}"`);
  return found.run(arm, total);
}

/** The warm-up before a process's first cell: JIT, sockets, pools. */
export function warmUp(arm: Arm, requests = 200): Promise<Cell> {
  return closedLoop(arm, requests, 32);
}
