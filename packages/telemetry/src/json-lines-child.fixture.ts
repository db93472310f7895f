// A TypeScript child process (tsx, the `@outrigger/source` condition) that speaks JSON lines: the test waits for
// its events instead of sleeping, writes commands on its stdin, and stops it with SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Guard against a hang only; every wait ends on the child's own line. */
const GUARD_MS = 30_000;

/** A running child and its JSON lines. */
export interface JsonLinesChild {
  readonly child: ChildProcess;
  /** The next line (from now on, or already printed and not yet taken) whose `event` is `name`. */
  next(name: string): Promise<Record<string, unknown>>;
  /** Writes one command line on the child's stdin. */
  send(command: object): void;
  /** SIGTERM, then resolves once it exited. */
  stop(): Promise<void>;
}

/** Spawns `node --import tsx file …args` with `env` added, resolving once it printed its `readyEvent` line. */
export async function spawnJsonLines(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  readyEvent: string,
): Promise<JsonLinesChild & { readonly ready: Record<string, unknown> }> {
  const child = spawn(process.execPath, ["--conditions=@outrigger/source", "--import", "tsx", file, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const unread: Record<string, unknown>[] = [];
  const waiters: { name: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // a log line
    }
    const waiter = waiters.find((w) => w.name === line.event);
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    } else unread.push(line);
  });
  const next = (name: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const index = unread.findIndex((line) => line.event === name);
      if (index >= 0) return resolve(unread.splice(index, 1)[0] as Record<string, unknown>);
      const guard = setTimeout(() => reject(new Error(`${file}: no "${name}" line within ${GUARD_MS} ms`)), GUARD_MS);
      guard.unref();
      waiters.push({
        name,
        resolve: (line) => {
          clearTimeout(guard);
          resolve(line);
        },
      });
      void exited.then(() => reject(new Error(`${file} exited (${child.exitCode}) before "${name}"`)));
    });
  const running: JsonLinesChild = {
    child,
    next,
    send: (command) => child.stdin?.write(`${JSON.stringify(command)}\n`),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  try {
    return { ...running, ready: await next(readyEvent) };
  } catch (error) {
    await running.stop();
    throw error;
  }
}
