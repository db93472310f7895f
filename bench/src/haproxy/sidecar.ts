import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchProcess } from "../proc/child.js";
import { tracedCommand } from "../proc/connect-trace.js";
import { startScript } from "../proc/node-script.js";
import { CORES, haproxyPath, pinned } from "../proc/pin.js";
import type { PolicyName } from "../variants/policy.js";
import { policyByName } from "../variants/policy.js";
import { BACKEND, httpSidecarConfig, tcpNullProxyConfig } from "./config.js";
import { parseShowStat, runtimeCommand, type StatRow } from "./runtime-api.js";
import { freePort, waitForSocket } from "./startup.js";

/** A running HAProxy (and, in HTTP mode, its registry sync agent). */
export interface Sidecar {
  readonly url: string;
  readonly socketPath: string;
  /** Processes whose CPU and memory count as the sidecar's. */
  readonly pids: readonly number[];
  /** Rows of `show stat` for the upstream backend's servers. */
  servers(): Promise<StatRow[]>;
  /** Resolves once the sync agent has put exactly `count` servers in. */
  waitForServers(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * HAProxy's core: the client's (a sidecar shares its pod's CPU with the app), or the load core with
 * `BENCH_HAPROXY_CORE=load` — an experiment only, to see what sharing the client's core does (bench/README.md, "The
 * overload cascade, traced").
 */
function haproxyCore(): number {
  const core = process.env.BENCH_HAPROXY_CORE;
  if (core === undefined || core === "client") return CORES.client;
  if (core === "load") return CORES.load;
  throw new Error(`BENCH_HAPROXY_CORE takes "client" or "load", got "${core}"`);
}

/**
 * Starts an HAProxy sidecar pinned to the client core (`haproxyCore`): `http` (governed) or `tcp` (null proxy
 * over `servers`); with `connectLog`, every connection HAProxy opens is logged there (`tracedCommand`).
 */
export async function startSidecar(
  mode: "http" | "tcp",
  registryUrl: string,
  policyName: PolicyName,
  servers: ReadonlyArray<{ host: string; port: number }> = [],
  connectLog?: string,
): Promise<Sidecar> {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-bench-haproxy-"));
  const address = { port: await freePort(), socketPath: join(dir, "admin.sock") };
  const configPath = join(dir, "haproxy.cfg");
  const policy = policyByName(policyName);
  writeFileSync(
    configPath,
    mode === "http" ? httpSidecarConfig(address, policy) : tcpNullProxyConfig(address, servers),
  );
  const run: [string, string[]] = [haproxyPath(), ["-db", "-f", configPath]];
  const [command, args] = pinned(haproxyCore(), ...(connectLog ? tracedCommand(connectLog, ...run) : run));
  const haproxy = new BenchProcess(`haproxy-${mode}`, command, args, {}, connectLog !== undefined);
  await waitForSocket(address.socketPath, haproxy);
  const agent =
    mode === "http"
      ? startScript("haproxy-sync", CORES.client, "haproxy/sync.ts", {
          REGISTRY_URL: registryUrl,
          HAPROXY_SOCKET: address.socketPath,
          POLICY: policyName,
        })
      : undefined;
  const servers_ = async (): Promise<StatRow[]> =>
    parseShowStat(await runtimeCommand(address.socketPath, "show stat")).filter(
      (r) => r.pxname === BACKEND && r.svname !== "BACKEND",
    );
  return {
    url: `http://127.0.0.1:${address.port}`,
    socketPath: address.socketPath,
    pids: agent ? [haproxy.pid, agent.pid] : [haproxy.pid],
    servers: servers_,
    async waitForServers(count) {
      if (!agent) return;
      await agent.waitFor((m) => m.event === "synced" && (m.servers as unknown[]).length === count, 30_000, false);
    },
    async close() {
      await agent?.kill("SIGTERM");
      await haproxy.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
