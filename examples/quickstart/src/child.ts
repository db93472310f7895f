import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** One JSON line a child process printed: how the fleet's processes report what they did. */
export type ChildEvent = { readonly event: string } & Record<string, unknown>;

/**
 * A child process whose stdout is JSON lines. Callers wait for events, never for time: a wait fails at once if
 * the process exits, and after `timeoutMs` only as a guard against a hang.
 */
export class Child {
  readonly #process: ChildProcess;
  readonly #events: ChildEvent[] = [];
  readonly #waiters = new Set<() => void>();
  #exit: number | null | undefined;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ) {
    this.#process = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    createInterface({ input: this.#process.stdout! }).on("line", (line) => {
      try {
        this.#events.push(JSON.parse(line) as ChildEvent);
      } catch {
        this.#events.push({ event: "log", line });
      }
      this.#wake();
    });
    this.exited = new Promise((resolve) => {
      this.#process.once("exit", (code) => {
        this.#exit = code;
        this.#wake();
        resolve(code);
      });
    });
  }

  /** Resolves with the first event (already printed or still to come) that `match` accepts. */
  waitFor(match: (event: ChildEvent) => boolean, timeoutMs = 20_000): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.#events.find(match);
        if (found) resolve(found);
        else if (this.#exit !== undefined) reject(new Error(`${this.name} exited (${this.#exit}) before the event`));
        else return false;
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
        }
      };
      this.#waiters.add(waiter);
    });
  }

  /** Sends `signal` and resolves once the process has exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.#exit === undefined) this.#process.kill(signal);
    return this.exited;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
