// The client processes of bench:policy-push and the `--trace` report: where an apply's time goes, hop by hop.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { quantileInterval } from "@outrigger/bench-stats";
import { monotonicMs } from "./shared-clock.js";

/** One client's record of one revision: applied at `at`; with `--trace` also when the watch answer and the ACK's answer came. */
export interface ApplyLine {
  readonly client: number;
  readonly revision: number;
  readonly status: string;
  readonly at: number;
  readonly watchAnsweredAt?: number;
  ackAt?: number;
}

/** One apply as the trace keeps it: when the PUT left, each client's line, and what the registry saw (monotonic ms, shared-clock.ts). */
export interface RoundTrace {
  readonly started: number;
  readonly lines: readonly ApplyLine[];
  /** When the registry answered each woken watch of the service (its diagnostics channel). */
  readonly answeredAt: readonly number[];
  /** When each ACK reached the registry (its HTTP server's request start). */
  readonly ackedAt: readonly number[];
}

/** What `--trace` collects over the run. */
export interface Hops {
  readonly rounds: RoundTrace[];
}

/** The running clients: `expect(revision)` resolves with every client's line once all have applied it. */
export interface Clients {
  expect(revision: number): Promise<ApplyLine[]>;
  /**
   * Per client, how far its wall-clock origin (`performance.timeOrigin + performance.now()`, the former clock) is
   * from this process's, in ms: what the former clock added to each sample.
   */
  readonly originSkewMs: readonly number[];
  /** Per client, after `close()`: its CPU time (user + system) per revision applied after its warm-up, µs. */
  readonly cpuPerApplyUs: readonly number[];
  /**
   * After `close()`: CPU µs per apply by thread ("main", "other") and user/system, mean over the clients
   * (thread-cpu.ts; 10 ms ticks, so meaningful summed over many applies).
   */
  readonly threadsPerApplyUs: Record<string, { userUs: number; systemUs: number }>;
  /** When any client's save ended (its state file renamed into place; monotonic ms). */
  readonly savedAt: readonly number[];
  /** When any client's save started (its temp file made; monotonic ms). */
  readonly savingAt: readonly number[];
  /** When client 0 was ready (µs of the monotonic clock, as its CPU profile counts): the apply phase starts there. */
  readonly readyUs: number;
  /** Stops the clients (SIGTERM); resolves once each has exited (a profiled one has written its profile). */
  close(): Promise<void>;
}

/** How the clients run. */
export interface ClientsOptions {
  readonly trace: boolean;
  /** Give each client a state directory (it saves its applied revisions there, as in production). */
  readonly state: boolean;
  /** The clients' `controlPlane.saveDelayMs` (default og's). */
  readonly saveDelayMs?: number;
  /** Applies each client leaves out of its CPU per apply (start-up settling), from `ready` on. */
  readonly warmup: number;
  /** Run the built packages (dist/) in the clients, as an application does; else the sources through tsx. */
  readonly built: boolean;
  /** Profile client 0 with `node --cpu-prof` into this directory (100 µs sampling). */
  readonly profileDir?: string;
}

/** Starts `count` client processes (policy-push-client.ts) on `eureka`; resolves once each made its watch. */
export async function startClients(count: number, eureka: string, options: ClientsOptions): Promise<Clients> {
  const { trace } = options;
  const waiting = new Map<number, { lines: ApplyLine[]; done: (lines: ApplyLine[]) => void }>();
  const byClient = new Map<string, ApplyLine>();
  const script = new URL("./policy-push-client.ts", import.meta.url).pathname;
  const stateRoot = options.state ? mkdtempSync(join(tmpdir(), "policy-push-")) : undefined;
  const ownSkew = performance.timeOrigin + performance.now() - monotonicMs();
  const originSkewMs: number[] = [];
  const cpuPerApplyUs: number[] = [];
  const threadsPerApplyUs: Record<string, { userUs: number; systemUs: number }> = {};
  const savedAt: number[] = [];
  const savingAt: number[] = [];
  let readyUs = Number.NaN;
  const children = Array.from({ length: count }, (_, client) => {
    const profile =
      client === 0 && options.profileDir
        ? ["--cpu-prof", "--cpu-prof-dir", options.profileDir, "--cpu-prof-interval", "100"]
        : [];
    const stateDir = stateRoot ? join(stateRoot, String(client)) : "";
    // Made here: a version of og that does not make its state directory must not be charged for failed writes.
    if (stateDir) mkdirSync(stateDir);
    const args = [
      ...profile,
      ...(options.built ? [] : ["--conditions=@outrigger/source"]),
      "--import",
      "tsx",
      script,
      eureka,
      stateDir,
      ...(trace ? ["--trace"] : []),
      ...(options.built ? ["--built"] : []),
      ...(options.saveDelayMs === undefined ? [] : ["--save-delay", String(options.saveDelayMs)]),
      "--warmup",
      String(options.warmup),
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on("line", (text) => {
        const raw = JSON.parse(text) as { event: string; revision: number; status: string; at: number } & Record<
          string,
          unknown
        >;
        if (raw.event === "ready") {
          originSkewMs.push((raw.wallMinusMono as number) - ownSkew);
          if (client === 0) readyUs = raw.readyUs as number;
          resolve();
        }
        if (raw.event === "cpu") {
          const applied = raw.applied as number;
          cpuPerApplyUs.push((raw.us as number) / applied);
          const threads = raw.threads as Record<string, { userUs: number; systemUs: number }>;
          for (const [name, { userUs, systemUs }] of Object.entries(threads)) {
            const sum = threadsPerApplyUs[name] ?? { userUs: 0, systemUs: 0 };
            sum.userUs += userUs / applied / count;
            sum.systemUs += systemUs / applied / count;
            threadsPerApplyUs[name] = sum;
          }
          return;
        }
        if (raw.event === "saved" || raw.event === "saving") {
          (raw.event === "saved" ? savedAt : savingAt).push(raw.at);
          return;
        }
        if (raw.event === "ack") {
          const line = byClient.get(`${client} ${raw.revision}`);
          if (line) line.ackAt = raw.at;
          return;
        }
        const round = raw.event === "apply" ? waiting.get(raw.revision) : undefined;
        if (!round) return;
        const line: ApplyLine = {
          client,
          revision: raw.revision,
          status: raw.status,
          at: raw.at,
          ...(typeof raw.watchAnsweredAt === "number" ? { watchAnsweredAt: raw.watchAnsweredAt } : {}),
        };
        if (trace) byClient.set(`${client} ${raw.revision}`, line);
        round.lines.push(line);
        if (round.lines.length === count) {
          waiting.delete(raw.revision);
          round.done(round.lines);
        }
      });
    });
    return { child, ready, exited };
  });
  await Promise.all(children.map((c) => c.ready));
  return {
    expect: (revision) =>
      new Promise((done) => {
        waiting.set(revision, { lines: [], done });
      }),
    originSkewMs,
    cpuPerApplyUs,
    threadsPerApplyUs,
    savedAt,
    savingAt,
    get readyUs() {
      return readyUs;
    },
    close: async () => {
      for (const { child } of children) child.kill("SIGTERM");
      await Promise.all(children.map((c) => c.exited));
      if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
    },
  };
}

const fmt = (values: readonly number[]): string => {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "n/a";
  const at = (q: number) => quantileInterval(finite, q).estimate.toFixed(2);
  return `p50 ${at(0.5)}  p99 ${at(0.99)}  max ${Math.max(...finite).toFixed(2)}  (n ${finite.length})`;
};

/** Prints each hop's p50/p99/max over every sample (ms), then the timeline of the median apply. */
export function printTrace(hops: Hops): void {
  const { rounds } = hops;
  const each = (f: (r: RoundTrace, l: ApplyLine) => number) => rounds.flatMap((r) => r.lines.map((l) => f(r, l)));
  console.log("trace, ms from the PUT unless said (the monotonic clock every process shares):");
  console.log(
    `  registry answered a woken watch      ${fmt(rounds.flatMap((r) => r.answeredAt.map((t) => t - r.started)))}`,
  );
  console.log(
    `  client had the watch answer (headers) ${fmt(each((r, l) => (l.watchAnsweredAt ?? Number.NaN) - r.started))}`,
  );
  console.log(
    `  … to applied (body, parse, build, swap) ${fmt(each((_, l) => l.at - (l.watchAnsweredAt ?? Number.NaN)))}`,
  );
  console.log(`  client applied                       ${fmt(each((r, l) => l.at - r.started))}`);
  console.log(
    `  ACK reached the registry             ${fmt(rounds.flatMap((r) => r.ackedAt.map((t) => t - r.started)))}`,
  );
  console.log(`  … ACK answered, from applied         ${fmt(each((_, l) => (l.ackAt ?? Number.NaN) - l.at))}`);
  const slowest = (r: RoundTrace) => Math.max(...r.lines.map((l) => l.at - r.started));
  const sorted = [...rounds].sort((a, b) => slowest(a) - slowest(b));
  // Which applies the tail is made of (revision = position + 1): a warm-up effect shows as low revisions.
  const tail = sorted
    .slice(-Math.max(1, Math.ceil(rounds.length / 50)))
    .map(
      (r) =>
        `#${rounds.indexOf(r) + 1} at +${((r.started - (rounds[0]?.started ?? 0)) / 1000).toFixed(2)} s: ${slowest(r).toFixed(1)} ms (first answer ${(Math.min(...r.answeredAt) - r.started).toFixed(1)})`,
    );
  console.log(`  slowest 2% of applies: ${tail.join(", ")}`);
  // The median apply, and the slowest (where a tail comes from: the registry's answers late, or the clients').
  for (const [name, round] of [
    ["median", sorted[Math.floor(sorted.length / 2)]],
    ["slowest", sorted.at(-1)],
  ] as const) {
    if (!round) continue;
    const rel = (t: number | undefined) => (t === undefined ? "n/a" : (t - round.started).toFixed(2));
    const answered = [...round.answeredAt].sort((a, b) => a - b);
    console.log(
      `${name} apply (slowest client ${slowest(round).toFixed(2)} ms; registry answered its watches ${rel(answered[0])}–${rel(answered.at(-1))}), per client by apply time:`,
    );
    for (const l of [...round.lines].sort((a, b) => a.at - b.at)) {
      console.log(
        `  client ${l.client}: answer ${rel(l.watchAnsweredAt)}  applied ${rel(l.at)}  ACK answered ${rel(l.ackAt)}`,
      );
    }
  }
}
