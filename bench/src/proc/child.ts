import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { traceeOf } from "./connect-trace.js";

/** A JSON line a bench process printed (events and replies to commands). */
export type Message = { readonly event: string } & Record<string, unknown>;

const live = new Set<ChildProcess>();
/**
 * How long a wait may last before it counts as a hang. Generous: on a shared 2-core machine under load (load average
 * 20 was seen) a tsx process pinned to a busy core took over 30 s to start listening.
 */
const START_GUARD_MS = 120_000;

/** Processes run under strace: strace ignores signals, so the traced process itself is signalled. */
const tracers = new WeakSet<ChildProcess>();

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  const tracee = tracers.has(child) && child.pid !== undefined ? traceeOf(child.pid) : undefined;
  if (tracee !== undefined) {
    try {
      process.kill(tracee, sig);
    } catch {}
  }
  child.kill(sig);
}

// A crashed or interrupted run must not leave upstreams or HAProxy behind on a shared machine.
process.once("exit", () => {
  for (const child of live) signal(child, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => process.exit(130));
}

/**
 * A bench process that reports JSON lines on stdout and takes JSON commands on stdin. Waits are on messages, never
 * on time; the timeout is only a guard against a hang, and a wait fails at once when the process exits.
 */
export class BenchProcess {
  readonly #child: ChildProcess;
  readonly #messages: Message[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #textListeners: ((line: string) => void)[] = [];
  #exitCode: number | null | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
    /** The command is strace running the real process (`tracedCommand`): `pid` and signals go to that process. */
    readonly traced = false,
  ) {
    this.#child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
    live.add(this.#child);
    if (traced) tracers.add(this.#child);
    this.#child.stdin?.on("error", () => {});
    createInterface({ input: this.#child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) {
        for (const listener of this.#textListeners) listener(line);
        return;
      }
      try {
        this.#messages.push(JSON.parse(line) as Message);
        for (const wake of this.#wakers) wake();
      } catch {}
    });
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code) => {
        this.#exitCode = code;
        live.delete(this.#child);
        for (const wake of this.#wakers) wake();
        resolve();
      });
    });
  }

  /** Calls `listener` with every stdout line that is not a JSON message (a V8 trace, say: `BENCH_TRACE_GC`). */
  onText(listener: (line: string) => void): void {
    this.#textListeners.push(listener);
  }

  /** The process's id (under strace: the traced process's, once it exists). */
  get pid(): number {
    const own = this.#child.pid ?? -1;
    return this.traced ? (traceeOf(own) ?? own) : own;
  }

  /** Resolves with the first message `match` accepts, printed before or after the call; `consume` removes it. */
  waitFor(match: (m: Message) => boolean, timeoutMs = START_GUARD_MS, consume = true): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const index = this.#messages.findIndex(match);
        if (index >= 0) {
          const [found] = consume ? this.#messages.splice(index, 1) : [this.#messages[index]];
          resolve(found as Message);
          return true;
        }
        if (this.#exitCode !== undefined) {
          reject(new Error(`${this.name} exited (code ${this.#exitCode}) before the awaited message`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#wakers.delete(wake);
        reject(new Error(`${this.name}: no awaited message within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const wake = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#wakers.delete(wake);
        }
      };
      this.#wakers.add(wake);
    });
  }

  /** Sends a command; resolves with the process's reply (`{event: "reply", id}`). */
  async request(command: Record<string, unknown>, timeoutMs = 120_000): Promise<Message> {
    const id = Math.random().toString(36).slice(2);
    this.#child.stdin?.write(`${JSON.stringify({ ...command, id })}\n`);
    return this.waitFor((m) => m.event === "reply" && m.id === id, timeoutMs);
  }

  /** Sends a signal (SIGKILL for "an instance dies"); resolves once the process is gone. */
  async kill(sig: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.#exitCode === undefined) signal(this.#child, sig);
    await this.exited;
  }
}

/** In a bench process: prints one message. */
export function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** In a bench process: answers commands from stdin with `handle`, each reply carrying the command's id. */
export function serveCommands(handle: (command: Record<string, unknown>) => Promise<Record<string, unknown>>): void {
  createInterface({ input: process.stdin }).on("line", (line) => {
    const command = JSON.parse(line) as Record<string, unknown>;
    handle(command).then(
      (reply) => emit("reply", { ...reply, id: command.id }),
      (error: unknown) => emit("reply", { error: (error as Error).message, id: command.id }),
    );
  });
  process.stdin.on("end", () => process.exit(0));
}
