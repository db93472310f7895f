// The registry of bench:policy-push in a process of its own, as it runs in production (its CLI's server), so the
// bench's own work (reading 20 clients' lines, timing, the PUTs) does not share its event loop. It tells the bench,
// as JSON lines on stdout timed on the shared monotonic clock (shared-clock.ts), what the bench waits on: each watch
// of the bench's service re-armed (and whether it carried an ACK/NACK, discovery's `reportOnWatch`), each POSTed
// report answered, and with `--trace` each woken watch answered. First line: `{"event":"listening","url":…}`.
import { spawn } from "node:child_process";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { createInterface } from "node:readline";
import { startServer } from "@outrigger/registry-server";
import { monotonicMs as now } from "./shared-clock.js";

/** What the bench hears from the registry process. */
export type RegistryEvent =
  | { readonly event: "listening"; readonly url: string }
  | { readonly event: "rearmed"; readonly at: number; readonly carriesReport: boolean }
  | { readonly event: "report-start" | "report-done" | "answered"; readonly at: number };

const isWatch = (r: IncomingMessage) => r.method === "GET" && r.url?.startsWith("/outrigger/watch/apps/TARGET");
const isReport = (r: IncomingMessage) => r.method === "POST" && r.url?.startsWith("/outrigger/policy/reports");
const say = (e: RegistryEvent) => process.stdout.write(`${JSON.stringify(e)}\n`);

/** Subscribes `on` to the events of this process's registry (the in-process registry of `--registry-in-process`, too). */
export function observeRegistry(on: (e: RegistryEvent) => void, trace: boolean): void {
  subscribe("http.server.request.start", (message) => {
    const { request } = message as { request: IncomingMessage };
    if (isWatch(request)) {
      on({ event: "rearmed", at: now(), carriesReport: request.headers["x-outrigger-policy-nonce"] !== undefined });
    } else if (isReport(request)) on({ event: "report-start", at: now() });
  });
  subscribe("http.server.response.finish", (message) => {
    const { request } = message as { request: IncomingMessage };
    if (isReport(request)) on({ event: "report-done", at: now() });
  });
  // Only with --trace: a subscriber makes the registry build a message per answered watch.
  if (trace) {
    subscribe("outrigger:registry:watch", (message) => {
      const { app, changed } = message as { app: string; changed: boolean };
      if (app === "TARGET" && changed) on({ event: "answered", at: now() });
    });
  }
}

/** The bench's registry: its base URL, and `close()` (resolves once it stopped). */
export interface BenchRegistry {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the registry in a process of its own (the built package with `built`, else the sources through tsx), or
 * in this process with `inProcess` (how the bench ran before 2026-11-30); `on` hears its events either way.
 */
export async function startRegistry(
  options: { readonly inProcess: boolean; readonly built: boolean; readonly trace: boolean },
  on: (e: RegistryEvent) => void,
): Promise<BenchRegistry> {
  if (options.inProcess) {
    observeRegistry(on, options.trace);
    const registry = await startServer({ port: 0, logLevel: false });
    return { url: registry.url, close: () => registry.close() };
  }
  const args = [
    ...(options.built ? [] : ["--conditions=@outrigger/source"]),
    "--import",
    "tsx",
    new URL(import.meta.url).pathname,
    ...(options.trace ? ["--trace"] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`registry process exited (${code}) before listening`)));
    createInterface({ input: child.stdout }).on("line", (text) => {
      const e = JSON.parse(text) as RegistryEvent;
      if (e.event === "listening") resolve(e.url);
      else on(e);
    });
  });
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  observeRegistry(say, process.argv.includes("--trace"));
  const registry = await startServer({ port: 0, logLevel: false });
  say({ event: "listening", url: registry.url });
  process.once("SIGTERM", () => void registry.close().finally(() => process.exit(0)));
}
