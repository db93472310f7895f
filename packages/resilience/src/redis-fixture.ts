import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { freePort } from "@outrigger/process-fixtures";

/** A real `redis-server` (Debian package redis-server) on a free port, with no persistence; for tests. */
export class RedisFixture {
  #process: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  /** Starts redis-server and resolves once it accepts connections. */
  static async start(): Promise<RedisFixture> {
    const fixture = new RedisFixture(await freePort());
    await fixture.restart();
    return fixture;
  }

  /** (Re)starts the server on the same port, with an empty dataset. */
  async restart(): Promise<void> {
    await this.stop();
    const child = spawn("redis-server", ["--port", String(this.port), "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    this.#process = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      });
    });
    child.removeAllListeners("exit");
  }

  /** Stops the server (SIGKILL: an abrupt loss, as in a crash) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
}
