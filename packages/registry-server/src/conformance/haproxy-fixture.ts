import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../e2e/spawn-registry.js";

/** Guard against a hang only: HAProxy is ready as soon as its stats page answers. */
const READY_GUARD_MS = 10_000;

/** HAProxy (Debian's `haproxy`) balancing each request round-robin over some registries. */
export interface RoundRobinProxy {
  /** The address clients are given. */
  readonly url: string;
  /** HTTP requests the proxy has received so far (its frontend's `req_tot`). */
  requests(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts HAProxy in front of `backends` (host:port), balancing every request on its own (`http-server-close`:
 * no server connection is kept, so consecutive requests of one client alternate between the backends).
 */
export async function roundRobinProxy(backends: readonly string[]): Promise<RoundRobinProxy> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), "outrigger-haproxy-"));
  const config = [
    "global",
    "  maxconn 512",
    "defaults",
    "  mode http",
    "  option http-server-close",
    "  timeout connect 2s",
    "  timeout client 120s",
    "  timeout server 120s",
    "frontend fe",
    `  bind 127.0.0.1:${port}`,
    "  default_backend registries",
    "backend registries",
    "  balance roundrobin",
    ...backends.map((backend, i) => `  server r${i} ${backend}`),
    "listen stats",
    `  bind 127.0.0.1:${statsPort}`,
    "  stats enable",
    "  stats uri /stats",
    "",
  ].join("\n");
  const file = join(dir, "haproxy.cfg");
  await writeFile(file, config);
  const child: ChildProcess = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "inherit"] });
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  const deadline = Date.now() + READY_GUARD_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    const ok = await fetch(statsUrl).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error("haproxy did not start");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async requests() {
      const csv = await (await fetch(statsUrl)).text();
      const [header, ...rows] = csv.split("\n");
      const columns = (header ?? "").replace(/^# /, "").split(",");
      const row = rows.find((line) => line.startsWith("fe,FRONTEND,"))?.split(",") ?? [];
      return Number(row[columns.indexOf("req_tot")]);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
