import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);

/** The registry's CLI as built in its package (tests run it as a real process, as users do). */
function registryCli(): string {
  const manifest = require.resolve("@outrigger/registry-server/package.json");
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin["outrigger-registry"] as string);
}

/** A registry-server child process for tests: started, killed and restarted on the same port. */
export class RegistryProcess {
  #child: ChildProcess | undefined;
  #port = 0;
  #url = "";

  /** The registry's base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return this.#url;
  }

  /** The Eureka base URL clients are given. */
  get eurekaUrl(): string {
    return `${this.#url}/eureka`;
  }

  /** Starts the registry (on the port it had before, after a stop) and resolves once it prints that it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [registryCli(), "--port", String(this.#port)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#child = child;
    const listening = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on("line", (line) => {
        try {
          const event = JSON.parse(line) as { event?: string; url: string; port: number };
          if (event.event === "listening") resolve(event);
        } catch {
          // not one of the registry's JSON lines
        }
      });
      child.once("exit", (code) => reject(new Error(`registry exited with ${code} before listening`)));
    });
    this.#port = listening.port;
    this.#url = listening.url;
  }

  /** Kills the registry at once (SIGKILL: a crash, and held watches would delay a graceful stop). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
