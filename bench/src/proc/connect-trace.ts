import { accessSync, constants, readFileSync } from "node:fs";

const STRACE_PATHS = ["/usr/bin/strace", "/bin/strace"];

/** The `strace` binary, or a clear error (the kill scenario needs it to see every connection attempt). */
export function stracePath(): string {
  for (const p of STRACE_PATHS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  throw new Error(`strace not found (looked in ${STRACE_PATHS.join(", ")}): install it (apt-get install strace)`);
}

/**
 * `[command, args]` that run `command args` with every `connect(2)` it (and its threads and children) makes logged
 * to `logFile`, epoch-timestamped to the µs. With `--seccomp-bpf` the kernel stops the process only on `connect`,
 * so the tracing costs nothing between connections; `-I 3` (strace's default with a command) keeps a signal to
 * strace from killing it: stop the traced process itself (`traceeOf`), and strace exits after it.
 */
export function tracedCommand(logFile: string, command: string, args: readonly string[]): [string, string[]] {
  return [
    stracePath(),
    ["-f", "--seccomp-bpf", "-qq", "-e", "trace=connect", "-e", "signal=none", "-ttt", "-o", logFile, command, ...args],
  ];
}

/** The process strace started (its first child), read from /proc; undefined until it exists. */
export function traceeOf(stracePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, "utf8").trim().split(/\s+/);
    const pid = Number(children[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Connection attempts to one port seen in a connect log: how many from `sinceMs` on, and the last one's time. */
export interface ConnectRecord {
  readonly attempts: number;
  /** Epoch ms (µs resolution) of the last attempt; NaN when none. */
  readonly lastAt: number;
  /** Connects to any IP port in the whole log: above 0, the tracing worked (so 0 attempts means none were made). */
  readonly logged: number;
}

// A line of `strace -f -ttt -e trace=connect`: "<pid> <epoch s.µs> connect(<fd>, {… sin_port=htons(<port>) …".
const CONNECT = /^\d+\s+(\d+\.\d+)\s+connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\((\d+)\)/;

/** Counts the `connect` calls to `port` at or after `sinceMs` in strace's output (other ports, checks, ignored). */
export function parseConnects(text: string, port: number, sinceMs: number): ConnectRecord {
  let attempts = 0;
  let lastAt = Number.NaN;
  let logged = 0;
  for (const line of text.split("\n")) {
    const match = CONNECT.exec(line);
    if (match) logged += 1;
    if (!match || Number(match[2]) !== port) continue;
    const at = Number(match[1]) * 1000;
    if (at < sinceMs) continue;
    attempts += 1;
    lastAt = Number.isNaN(lastAt) ? at : Math.max(lastAt, at);
  }
  return { attempts, lastAt, logged };
}

/** `parseConnects` over a log file. */
export function readConnects(logFile: string, port: number, sinceMs: number): ConnectRecord {
  return parseConnects(readFileSync(logFile, "utf8"), port, sinceMs);
}
