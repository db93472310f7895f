// Benchmark of the registry server, one run: renews/s (wrk), full-fetch latency with 10 000 instances, and
// register → watcher-notified latency. Each figure has a baseline measured in the same run on the same machine.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, get as httpGet } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const LUA = fileURLToPath(new URL("./renew.lua", import.meta.url));
const WRK_SECONDS = 8;
/** About a second of renewals from 10 000 instances that renew every 30 s. */
const RENEWS_BETWEEN_WRITES = 333;

interface Child {
  url: string;
  stop(): void;
}

async function spawnJsonServer(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const event = JSON.parse(line) as { event: string; url: string };
    if (event.event === "listening") return { url: event.url, stop: () => child.kill("SIGTERM") };
  }
  throw new Error("server exited before listening");
}

/** The floor: a bare Node HTTP server answering 200 with nothing, the most any Node server could do here. */
const BARE = `require("http").createServer((q, s) => { q.resume(); q.on("end", () => s.end()); }).listen(0, "127.0.0.1", function () { console.log(JSON.stringify({ event: "listening", url: "http://127.0.0.1:" + this.address().port })); });`;

function registration(id: string, app: string) {
  return {
    instance: {
      instanceId: id,
      hostName: `host-${id}`,
      app,
      ipAddr: "10.0.0.1",
      status: "UP",
      port: { $: 8080, "@enabled": "true" },
      vipAddress: app.toLowerCase(),
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      metadata: { zone: "eu-1", version: "1.0.0" },
    },
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`register answered ${res.status}`);
}

async function registerMany(base: string, app: string, count: number, prefix: string): Promise<void> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  for (let i = 0; i < ids.length; i += 64) {
    await Promise.all(ids.slice(i, i + 64).map((id) => post(`${base}/eureka/apps/${app}`, registration(id, app))));
  }
}

async function wrk(url: string, script?: string): Promise<{ rps: number; non2xx: number }> {
  const args = ["-t1", "-c50", `-d${WRK_SECONDS}s`, ...(script ? ["-s", script] : []), url];
  const { stdout } = await run("wrk", args);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  return { rps, non2xx };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const bare = await spawnJsonServer(["-e", BARE]);
  const registry = await spawnJsonServer([CLI, "--port", "0", "--self-preservation", "off"]);
  try {
    // 1. Renews per second, against the bare-server ceiling.
    const baseline = await wrk(`${bare.url}/`);
    await registerMany(registry.url, "BENCH", 1000, "i");
    const renews = await wrk(registry.url, LUA);
    if (renews.non2xx > 0) throw new Error(`${renews.non2xx} renews failed`);
    console.log(`renews/s ${renews.rps.toFixed(0)} (bare Node HTTP ${baseline.rps.toFixed(0)} req/s)`);

    // 2. Full fetch with 10 000 instances: cached (no write since last read) and fresh (a write before every read).
    await registerMany(registry.url, "BIG", 9000, "b");
    const full = (await (await fetch(`${registry.url}/eureka/apps`)).json()) as {
      applications: { application: { instance: unknown[] }[] };
    };
    const count = full.applications.application.reduce((n, a) => n + a.instance.length, 0);
    // node:http with keep-alive, reading the bytes as sent: the figure is the server's answer time plus transfer,
    // not the client's own gunzip and parse. Eureka's Java client asks for gzip; both encodings are measured.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const fetchAs = (encoding: string) => () =>
      new Promise<number>((resolve, reject) => {
        const req = httpGet(
          `${registry.url}/eureka/apps`,
          { agent, headers: { accept: "application/json", "accept-encoding": encoding } },
          (res) => {
            let bytes = 0;
            res.on("data", (chunk: Buffer) => {
              bytes += chunk.length;
            });
            res.on("end", () => resolve(bytes));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
      });
    const toggle = async (i: number) => {
      const value = i % 2 === 0 ? "OUT_OF_SERVICE" : "UP";
      await (await fetch(`${registry.url}/eureka/apps/BIG/b1/status?value=${value}`, { method: "PUT" })).arrayBuffer();
    };
    const one = async () => (await fetch(`${registry.url}/eureka/apps/BENCH/i1`)).arrayBuffer();
    const gzipBytes = await fetchAs("gzip")();
    const plainBytes = await fetchAs("identity")();
    const cached: number[] = [];
    const cachedPlain: number[] = [];
    const fresh: number[] = [];
    const freshPlain: number[] = [];
    const single: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      single.push(await timed(one));
      // Right after a write the answer is rebuilt (and gzipped); the next read of the same encoding is served cached.
      await toggle(i);
      fresh.push(await timed(fetchAs("gzip")));
      cached.push(await timed(fetchAs("gzip")));
      await toggle(i + 1);
      freshPlain.push(await timed(fetchAs("identity")));
      cachedPlain.push(await timed(fetchAs("identity")));
    }
    console.log(
      `full fetch of ${count} right after a write: gzip p50 ${percentile(fresh, 50)} ms p99 ${percentile(fresh, 99)} ms, plain p50 ${percentile(freshPlain, 50)} ms p99 ${percentile(freshPlain, 99)} ms; unchanged (cached) gzip p50 ${percentile(cached, 50)} ms p99 ${percentile(cached, 99)} ms, plain p50 ${percentile(cachedPlain, 50)} ms p99 ${percentile(cachedPlain, 99)} ms; one instance p50 ${percentile(single, 50)} ms`,
    );

    // Renewals replace leases without moving the version, so the next build encodes and compresses the renewed
    // instances' chunks again: with 10 000 instances renewing every 30 s, about 333 renew per second.
    const renewedFresh: number[] = [];
    const renewedFreshPlain: number[] = [];
    const renewSome = async () => {
      const ids = Array.from({ length: RENEWS_BETWEEN_WRITES }, () => `b${Math.floor(Math.random() * 9000)}`);
      for (let i = 0; i < ids.length; i += 64) {
        await Promise.all(
          ids
            .slice(i, i + 64)
            .map(async (id) => (await fetch(`${registry.url}/eureka/apps/BIG/${id}`, { method: "PUT" })).arrayBuffer()),
        );
      }
    };
    for (let i = 0; i < 50; i += 1) {
      await renewSome();
      await toggle(i);
      renewedFresh.push(await timed(fetchAs("gzip")));
      await renewSome();
      await toggle(i + 1);
      renewedFreshPlain.push(await timed(fetchAs("identity")));
    }
    console.log(
      `full fetch right after a write with ${RENEWS_BETWEEN_WRITES} renewals since the last one: gzip p50 ${percentile(renewedFresh, 50)} ms p99 ${percentile(renewedFresh, 99)} ms, plain p50 ${percentile(renewedFreshPlain, 50)} ms p99 ${percentile(renewedFreshPlain, 99)} ms; body ${plainBytes} bytes, gzip ${gzipBytes} bytes`,
    );

    // 3. Register → watcher notified, over 1 000 registrations; baseline: the register round trip alone.
    const propagation: number[] = [];
    const ack: number[] = [];
    let index = -1;
    for (let i = 0; i < 1000; i += 1) {
      const id = `p${i}`;
      const seen = (async () => {
        for (;;) {
          const res = await fetch(`${registry.url}/outrigger/watch/apps/PROP?index=${index}&wait=10s`);
          index = Number(res.headers.get("x-outrigger-index"));
          const body = (await res.json()) as { application: { instance: { instanceId: string }[] } };
          if (body.application.instance.some((inst) => inst.instanceId === id)) return performance.now();
        }
      })();
      // Let the watch reach the server first, so most samples measure a held watch being woken.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const start = performance.now();
      await post(`${registry.url}/eureka/apps/PROP`, registration(id, "PROP"));
      ack.push(performance.now() - start);
      propagation.push((await seen) - start);
      // Keep the watched application at a realistic size (ten instances), not a thousand.
      if (i >= 10)
        await (await fetch(`${registry.url}/eureka/apps/PROP/p${i - 10}`, { method: "DELETE" })).arrayBuffer();
    }
    console.log(
      `register → watcher: p50 ${percentile(propagation, 50)} ms p99 ${percentile(propagation, 99)} ms (register ack alone p50 ${percentile(ack, 50)} ms)`,
    );
    console.log(
      "machine: 2 shared cores, other helpers compiling at the same time; wrk and the server share the cores.",
    );

    console.log(
      JSON.stringify({
        renewsPerSecond: Math.round(renews.rps),
        bareNodeRequestsPerSecond: Math.round(baseline.rps),
        renewsVsBareRatio: Number((renews.rps / baseline.rps).toFixed(3)),
        renewGoal: 20_000,
        fullFetchInstances: count,
        fullFetchFreshP50Ms: percentile(fresh, 50),
        fullFetchFreshP99Ms: percentile(fresh, 99),
        fullFetchFreshPlainP50Ms: percentile(freshPlain, 50),
        fullFetchFreshPlainP99Ms: percentile(freshPlain, 99),
        fullFetchCachedP50Ms: percentile(cached, 50),
        fullFetchCachedP99Ms: percentile(cached, 99),
        fullFetchCachedPlainP50Ms: percentile(cachedPlain, 50),
        fullFetchCachedPlainP99Ms: percentile(cachedPlain, 99),
        fullFetchAfterRenewsGzipP50Ms: percentile(renewedFresh, 50),
        fullFetchAfterRenewsGzipP99Ms: percentile(renewedFresh, 99),
        fullFetchAfterRenewsPlainP50Ms: percentile(renewedFreshPlain, 50),
        fullFetchAfterRenewsPlainP99Ms: percentile(renewedFreshPlain, 99),
        fullFetchPlainBytes: plainBytes,
        fullFetchGzipBytes: gzipBytes,
        fullFetchGzipRatio: Number((plainBytes / gzipBytes).toFixed(1)),
        singleInstanceFetchP50Ms: percentile(single, 50),
        fullFetchFreshVsSingleRatio: Number((percentile(fresh, 50) / percentile(single, 50)).toFixed(1)),
        fullFetchGoalP99Ms: 50,
        propagationSamples: propagation.length,
        propagationP50Ms: percentile(propagation, 50),
        propagationP99Ms: percentile(propagation, 99),
        registerAckP50Ms: percentile(ack, 50),
        propagationVsAckRatio: Number((percentile(propagation, 50) / percentile(ack, 50)).toFixed(2)),
        propagationGoalP99Ms: 50,
      }),
    );
  } finally {
    bare.stop();
    registry.stop();
  }
}

await main();
await once(process, "beforeExit");
