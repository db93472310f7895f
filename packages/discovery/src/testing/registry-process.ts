import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { toRegistrationBody } from "../eureka-wire.js";
import { exited, waitForEvent } from "./child-process.js";

const require = createRequire(import.meta.url);

/** The registry's CLI as built in its package (tests run it as a real process, as users do). */
function registryCli(): string {
  const manifest = require.resolve("@outrigger/registry-server/package.json");
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin["outrigger-registry"] as string);
}

/** A registry-server child process for tests: started, killed and restarted on the same port. */
export class RegistryProcess {
  readonly #args: readonly string[];
  #child: ChildProcess | undefined;
  #port = 0;
  #url = "";

  /** `args` are added to the command line, e.g. `["--token", "t"]`. */
  constructor(args: readonly string[] = []) {
    this.#args = args;
  }

  /** The registry's base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return this.#url;
  }

  /** The port it listens on (kept across restarts). */
  get port(): number {
    return this.#port;
  }

  /** The Eureka base URL clients are given. */
  get eurekaUrl(): string {
    return `${this.#url}/eureka`;
  }

  /** Starts the registry (on the port it had before, after a stop) and resolves once it prints that it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [registryCli(), "--port", String(this.#port), ...this.#args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#child = child;
    const listening = await waitForEvent(child, "listening");
    this.#port = Number(listening.port);
    this.#url = String(listening.url);
  }

  /** Kills the registry at once (SIGKILL: a crash, and held watches would delay a graceful stop). */
  kill(): Promise<void> {
    return this.#end("SIGKILL");
  }

  /** Stops the registry as an orchestrator does (SIGTERM: it answers held watches, then exits). */
  stop(): Promise<void> {
    return this.#end("SIGTERM");
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    const done = exited(child);
    child.kill(signal);
    await done;
  }

  /** Registers an UP instance of `app` over Eureka's API, with no heartbeat (a one-hour lease). */
  async register(app: string, instanceId: string, port = 9000): Promise<void> {
    const body = toRegistrationBody({ app, host: "127.0.0.1", port, instanceId }, "UP", {
      renewalIntervalInSecs: 3_600,
      durationInSecs: 3_600,
    });
    const res = await fetch(`${this.eurekaUrl}/apps/${app.toUpperCase()}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 204) throw new Error(`registering ${instanceId} answered ${res.status}`);
  }
}
