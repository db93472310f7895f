import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { createInterface } from "node:readline";
import { exited } from "./child-process.js";

/** A free UDP port on loopback, for dnsmasq to listen on. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A real dnsmasq on a loopback port serving only the records it is given (no upstream, no /etc/hosts). */
export class Dnsmasq {
  #child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  /** Starts dnsmasq with `records` (dnsmasq options such as `--srv-host=…`) and resolves once it has started. */
  async start(records: readonly string[], ttlSec: number): Promise<void> {
    const child = spawn(
      "dnsmasq",
      [
        "--no-daemon",
        `--port=${this.port}`,
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",
        "--no-hosts",
        `--local-ttl=${ttlSec}`,
        "--log-facility=-",
        ...records,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
      // dnsmasq logs "started" once its sockets are bound.
      lines.on("line", (line) => {
        if (/started, version/.test(line)) resolve();
      });
      child.once("exit", (code) => reject(new Error(`dnsmasq exited with ${code}: is port ${this.port} free?`)));
      child.once("error", reject);
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    const done = exited(child);
    child.kill("SIGTERM");
    await done;
  }
}
