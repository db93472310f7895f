import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { type AddressInfo, createServer } from "node:net";
import { createInterface } from "node:readline";
import { exited } from "./child-process.js";

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

/**
 * A loopback port free for both UDP and TCP, for dnsmasq (it binds both): a TCP port from the kernel, kept only
 * when the same UDP port is free too. Checking UDP alone let another test's TCP listener take the port.
 */
export async function freeUdpPort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const server = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
    const free = await udpFree(port);
    await new Promise((resolve) => server.close(resolve));
    if (free) return port;
  }
  throw new Error("no loopback port free for both UDP and TCP after 20 tries");
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
