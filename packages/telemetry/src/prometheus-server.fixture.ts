// Debian's `prometheus` (2.42, `.ci/debian-packages`) run as a child process for the real-Prometheus test: a
// generated config scraping the given targets every second, storage in a temp directory, the web API on a free
// loopback port. Waits go through Prometheus's own API (`/-/ready`, `/api/v1/targets`, `/api/v1/query`) polled
// with a deadline, never a fixed sleep.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One scrape job: its name and `host:port` targets (path `/metrics`). */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
}

/** One series of an instant query's answer. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** What `/api/v1/targets` says of one target. */
export interface TargetState {
  readonly job: string;
  readonly instance: string;
  readonly health: string;
  readonly lastScrape: string;
}

/** A free loopback port (Prometheus needs its listen address on the command line). */
export function freeLoopbackPort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  return new Promise((resolve, reject) => {
    probe.once("error", reject);
    probe.once("listening", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `read` until `done` accepts its answer, or throws after `ms` with the last answer. */
export async function pollUntil<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${ms} ms; last answer ${JSON.stringify(last)} ${String(lastError ?? "")}`);
}

/** The generated `prometheus.yml`: a 1 s scrape interval for every job. */
function configText(jobs: readonly ScrapeJob[]): string {
  const scrapes = jobs.map(
    ({ job, targets }) =>
      `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
  );
  return `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${scrapes.join("\n")}\n`;
}

/** A running Prometheus; `stop()` ends it (SIGTERM) and removes its directory. */
export interface PrometheusProcess {
  readonly url: string;
  /** An instant query at `time` (unix seconds; default now): one sample per series. */
  query(promql: string, time?: number): Promise<Sample[]>;
  /** Every active target's state. */
  targets(): Promise<TargetState[]>;
  /** What Prometheus printed (stderr), for a failure's message. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `prometheus` scraping `jobs` and resolves once `/-/ready` answers 200. */
export async function startPrometheus(jobs: readonly ScrapeJob[]): Promise<PrometheusProcess> {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-prometheus-"));
  await writeFile(join(dir, "prometheus.yml"), configText(jobs));
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const log: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const get = async (path: string) => {
    const answer = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await answer.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const running: PrometheusProcess = {
    url,
    async query(promql, time) {
      const at = time === undefined ? "" : `&time=${time}`;
      const data = (await get(`/api/v1/query?query=${encodeURIComponent(promql)}${at}`)) as {
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async targets() {
      const data = (await get("/api/v1/targets?state=active")) as {
        activeTargets: { labels: Record<string, string>; health: string; lastScrape: string }[];
      };
      return data.activeTargets.map((t) => ({
        job: t.labels.job ?? "",
        instance: t.labels.instance ?? "",
        health: t.health,
        lastScrape: t.lastScrape,
      }));
    },
    log: () => log.join(""),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await pollUntil(
      "prometheus ready",
      async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).status,
      (status) => status === 200,
    );
  } catch (error) {
    await running.stop();
    throw new Error(`${(error as Error).message}\n${running.log()}`);
  }
  return running;
}
