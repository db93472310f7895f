// Ports for servers a test must name before they start: peers that list each other, a server restarted on its port.
// A port picked with listen(0) comes from the kernel's ephemeral range, which every listen(0) and every outgoing
// connection on the machine also draws from, so another process could take it between the pick and the child's
// listen (EADDRINUSE; seen with three packages' suites running at once). Below that range only an explicit bind can
// take a port; each vitest worker (VITEST_POOL_ID) picks from its own slice, and a process never hands one out twice.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Linux's default `net.ipv4.ip_local_port_range` start (Documentation/networking/ip-sysctl.rst). */
const DEFAULT_EPHEMERAL_START = 32_768;
/** Lowest port handed out: above the registered ports most development machines run services on. */
const LOWEST = 10_000;
/** Ports per worker slice. */
const SLICE = 1_000;

const handedOut = new Set<number>();

let ephemeral: number | undefined;

/** The start of the kernel's ephemeral port range, read once per process. */
function ephemeralStart(): number {
  ephemeral ??= readEphemeralStart();
  return ephemeral;
}

function readEphemeralStart(): number {
  try {
    const text = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
    const start = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start >= LOWEST + SLICE ? start : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** This worker's slice of ports: `first`–`last` inclusive, all below the kernel's ephemeral range. */
export function portSlice(): { first: number; last: number } {
  const slices = Math.max(1, Math.floor((ephemeralStart() - LOWEST) / SLICE));
  const worker = Number(process.env.VITEST_POOL_ID ?? process.pid);
  const first = LOWEST + (Number.isInteger(worker) ? worker % slices : 0) * SLICE;
  return { first, last: first + SLICE - 1 };
}

/**
 * A loopback TCP port nothing listens on, outside the kernel's ephemeral range, from this worker's slice
 * (`portSlice`): resolves with a port a child process can then be told to listen on. Rejects with code
 * `NO_FREE_PORT` when every port of the slice is taken or already handed out.
 */
export async function freePort(): Promise<number> {
  const { first, last } = portSlice();
  // A random start, so two runs of the suite at once (a fresh clone beside a worktree) rarely meet.
  const offset = Math.floor(Math.random() * SLICE);
  for (let i = 0; i < SLICE; i++) {
    const port = first + ((offset + i) % SLICE);
    if (handedOut.has(port)) continue;
    // Reserved before the check, so concurrent calls never return the same port; a taken one stays skipped.
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw Object.assign(new Error(`no free loopback port in ${first}–${last}; stop what listens there`), {
    code: "NO_FREE_PORT",
  });
}
