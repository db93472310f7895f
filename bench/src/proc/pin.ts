import { accessSync, constants } from "node:fs";

/** Which core each role runs on: the load side never competes with the client and its sidecar. */
export const CORES = {
  /** Load generator, upstream fleet, registry and the orchestrator. */
  load: 0,
  /** The client service and its sidecar (HAProxy + sync agent). */
  client: 1,
} as const;

const TASKSET_PATHS = ["/usr/bin/taskset", "/bin/taskset"];
const HAPROXY_PATHS = ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"];

function firstExecutable(paths: readonly string[], what: string, hint: string): string {
  for (const p of paths) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  throw new Error(`${what} not found (looked in ${paths.join(", ")}): ${hint}`);
}

/** The `taskset` binary, or a clear error: without pinning the figures would mix the load side into the client's. */
export function tasksetPath(): string {
  return firstExecutable(TASKSET_PATHS, "taskset", "install util-linux (apt-get install util-linux)");
}

/** The `haproxy` binary, or a clear error. */
export function haproxyPath(): string {
  return firstExecutable(HAPROXY_PATHS, "haproxy", "install HAProxy 2.6+ (apt-get install haproxy)");
}

/** `[command, args]` that run `command args` pinned to `core` with taskset (which execs, so the pid is the command's). */
export function pinned(core: number, command: string, args: readonly string[]): [string, string[]] {
  return [tasksetPath(), ["-c", String(core), command, ...args]];
}
