import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Resolves with the first JSON line on `child`'s stdout whose `event` is `name`. */
export function waitForEvent(child: ChildProcess, name: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.event === name) {
          lines.close();
          resolve(event);
        }
      } catch {
        // not one of the child's JSON lines
      }
    });
    child.once("exit", (code, signal) => reject(new Error(`child exited (${code ?? signal}) before "${name}"`)));
  });
}

/** Runs a TypeScript file of this package in a child Node process (through tsx), with stdout piped. */
export function spawnTs(file: URL, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", file.pathname], {
    cwd: new URL("../..", import.meta.url).pathname, // the package: tsx resolves from the workspace root above
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

/** Resolves with how `child` ended. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
