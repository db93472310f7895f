import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The built CLI; `npm test` builds before testing. */
const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
/** Guard against a hang only; the wait ends on the child's JSON line. */
const START_GUARD_MS = 20_000;

/** A registry CLI running as a child process. */
export interface RegistryProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** The JSON line the CLI printed when it started. */
  readonly started: Record<string, unknown>;
  /** Resolves with the next JSON line whose `event` is `name` (printed from now on). */
  next(name: string): Promise<Record<string, unknown>>;
  /** Every line printed on stdout so far (JSON events and log lines), as text. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code and the JSON events printed after it. */
  stop(): Promise<{ code: number | null; events: Record<string, unknown>[] }>;
}

/** Ports for peers that must know each other's before they start (`@outrigger/process-fixtures`). */
export { freePort } from "@outrigger/process-fixtures";

/**
 * Spawns `outrigger-registry` and resolves once it prints its `listening` line. `fdLimit` runs it under
 * `ulimit -n` (through /bin/sh), for tests of descriptor exhaustion.
 */
export function spawnRegistry(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  fdLimit?: number,
): Promise<RegistryProcess> {
  const [command, argv] =
    fdLimit === undefined
      ? [process.execPath, [CLI, ...args]]
      : ["/bin/sh", ["-c", `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, CLI, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const events: Record<string, unknown>[] = [];
  const text: string[] = [];
  const waiters: { name: string; resolve: (event: Record<string, unknown>) => void }[] = [];
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`registry did not start within ${START_GUARD_MS} ms`));
    }, START_GUARD_MS);
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`registry exited with ${code} before listening`));
    });
    lines.on("line", (line) => {
      text.push(line);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      events.push(event);
      for (const waiter of waiters.filter((w) => w.name === event.event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
      if (event.event !== "listening") return;
      clearTimeout(guard);
      resolve({
        url: String(event.url),
        port: Number(event.port),
        child,
        started: event,
        next: (name) => new Promise((resolveEvent) => waiters.push({ name, resolve: resolveEvent })),
        output: () => text.join("\n"),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          const code = await exited;
          return { code, events: events.slice(1) };
        },
      });
    });
  });
}

/** What a CLI subcommand run printed, and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** A CLI subcommand that has not exited by then is hung: the guard only ends the test; the wait ends on `close`. */
const CLI_GUARD_MS = 25_000;

/**
 * Runs `outrigger-registry <args>` as a client process (`apply`, `get`, `diff`, `rollback`, …), with `token` in its
 * environment (`OUTRIGGER_REGISTRY_TOKEN`), never on its command line. Resolves when it exits.
 */
export function runCli(args: readonly string[], token: string): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, OUTRIGGER_REGISTRY_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    err += chunk;
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), CLI_GUARD_MS);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(guard);
      resolve({ code, out, err });
    }),
  );
}
