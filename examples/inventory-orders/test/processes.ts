import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

const example = new URL("..", import.meta.url).pathname;

/** Resolves with the first JSON line on `child`'s stdout whose `event` is `name`; rejects if it exits first. */
function eventOf(child: ChildProcess, name: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.event !== name) return;
      lines.close();
      resolve(event);
    });
    child.once("exit", (code, signal) => reject(new Error(`child exited (${code ?? signal}) before "${name}"`)));
  });
}

/** A process of the fleet: its port, its admin URL, and how it ended. */
export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly admin: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

/** Runs `src/<name>.ts` of this example as a real process (tsx; sibling packages from source) with `configDir`. */
export async function startService(name: "inventory" | "orders", configDir: string): Promise<Running> {
  const child = spawn(process.execPath, ["--conditions=@outrigger/source", "--import", "tsx", `src/${name}.ts`], {
    cwd: example,
    env: { ...process.env, NODE_CONFIG_DIR: configDir, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = exitOf(child);
  const ready = await eventOf(child, "listening");
  return { child, port: Number(ready.port), admin: String(ready.admin), exited };
}

/** The registry (`outrigger-registry`) as a real process, restartable on the same port. */
export class RegistryProcess {
  #child: ChildProcess | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const require = createRequire(join(example, "package.json"));
    const manifest = require.resolve("@outrigger/registry-server/package.json");
    const cli = join(
      dirname(manifest),
      (require(manifest) as { bin: Record<string, string> }).bin["outrigger-registry"] ?? "",
    );
    const child = spawn(process.execPath, [cli, "--port", String(this.port)], { stdio: ["ignore", "pipe", "inherit"] });
    this.#child = child;
    this.port = Number((await eventOf(child, "listening")).port);
  }

  /** SIGKILL: a crash (its state is gone; the instances must register again). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const done = exitOf(child);
    child.kill("SIGKILL");
    await done;
  }
}

/** Kills `running` with `signal` and waits for it to end. */
export async function stop(
  running: Running,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  return running.exited;
}
