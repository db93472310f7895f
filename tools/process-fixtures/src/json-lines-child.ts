// A TypeScript child process (tsx, the `@outrigger/source` condition) that speaks JSON lines: the test waits for
// its events instead of sleeping, writes commands on its stdin, and stops it with SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Guard against a hang only (default); every wait ends on the child's own line. */
const GUARD_MS = 30_000;

/** One line the child printed, parsed; `event` names it. */
export type JsonLine = Record<string, unknown>;

/** A running child and its JSON lines. */
export interface JsonLinesChild {
  readonly child: ChildProcess;
  /** The line the child printed when it was ready (the `readyEvent` of `spawnJsonLines`). */
  readonly ready: JsonLine;
  /**
   * The next line (from now on, or already printed and not yet taken) whose `event` is `name` and that `where`
   * accepts. Rejects when the child exits first, or after the guard (`guardMs`) with the event named.
   */
  next(name: string, where?: (line: JsonLine) => boolean): Promise<JsonLine>;
  /** Writes one command line on the child's stdin. */
  send(command: object): void;
  /** SIGTERM, then resolves once it exited. */
  stop(): Promise<void>;
}

interface Waiter {
  readonly name: string;
  readonly where: (line: JsonLine) => boolean;
  readonly resolve: (line: JsonLine) => void;
}

/**
 * Spawns `node --conditions=@outrigger/source --import tsx file …args` with `env` added (a `.js` file runs the same
 * way), resolving once it printed its `readyEvent` line; a child that exits first, or says nothing for `guardMs`,
 * rejects with the file named. Lines that are not JSON (logs) are skipped.
 */
export async function spawnJsonLines(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  readyEvent: string,
  guardMs = GUARD_MS,
): Promise<JsonLinesChild> {
  const child = spawn(process.execPath, ["--conditions=@outrigger/source", "--import", "tsx", file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const unread: JsonLine[] = [];
  const waiters: Waiter[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    let line: JsonLine;
    try {
      line = JSON.parse(text) as JsonLine;
    } catch {
      return; // a log line
    }
    const waiter = waiters.find((w) => w.name === line.event && w.where(line));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    } else unread.push(line);
  });
  const next = (name: string, where: (line: JsonLine) => boolean = () => true) =>
    new Promise<JsonLine>((resolve, reject) => {
      const index = unread.findIndex((line) => line.event === name && where(line));
      if (index >= 0) return resolve(unread.splice(index, 1)[0] as JsonLine);
      const guard = setTimeout(() => reject(new Error(`${file}: no "${name}" line within ${guardMs} ms`)), guardMs);
      guard.unref();
      waiters.push({
        name,
        where,
        resolve: (line) => {
          clearTimeout(guard);
          resolve(line);
        },
      });
      void exited.then(() => reject(new Error(`${file} exited (${child.exitCode}) before "${name}"`)));
    });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  try {
    const ready = await next(readyEvent);
    return { child, ready, next, send: (command) => child.stdin?.write(`${JSON.stringify(command)}\n`), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
