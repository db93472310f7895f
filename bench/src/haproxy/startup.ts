// Starting HAProxy: a port for its frontend, and the moment its runtime API answers.
import { createServer } from "node:net";
import type { BenchProcess } from "../proc/child.js";
import { runtimeCommand } from "./runtime-api.js";

/** A free loopback port (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Resolves once HAProxy's runtime API answers `show info`; rejects if HAProxy exits or stays silent ~5 s. */
export async function waitForSocket(socketPath: string, haproxy: BenchProcess): Promise<void> {
  // HAProxy prints nothing on stdout when ready; its socket answering `show info` is the event we wait on.
  for (let i = 0; i < 200; i++) {
    const reply = await runtimeCommand(socketPath, "show info").catch(() => "");
    if (reply.includes("Version:")) return;
    if (haproxy.pid < 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`HAProxy did not open its runtime API socket ${socketPath}`);
}
