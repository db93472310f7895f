// bench:policy-push — from `apply` (a PUT of a new revision on the registry) to each of 20 client processes running
// it (its ACK), p99 with a distribution-free interval over ≥ 3 600 samples (the applies after `--warmup`, which are
// left out as from the CPU figure, and shown apart); goal ≤ 50 ms on loopback (issue #19).
// The registry runs in a process of its own (policy-push-registry.ts; `--registry-in-process`: in this one, as before
// 2026-11-30), one backend in this process, and each client in its own process. Each apply is made once every
// client has ACKed the previous one and re-armed its watch (the registry saw both), as applies minutes apart would
// find them. `--trace` prints where the time goes, hop by hop (registry → watch answer → client apply → ACK).
// Each client saves the revisions it applies in a state directory of its own, as a production client with
// `controlPlane.stateDir` does: after og's save delay, the newest of those that came meanwhile (`--no-state`: none;
// `--save-delay MS` sets `controlPlane.saveDelayMs`, 0 saving each revision right after its apply). Every process reads one clock, the machine's monotonic one
// (shared-clock.ts). `--profile DIR` runs client 0 under `node --cpu-prof` (100 µs samples) into DIR and prints the
// command that names its top costs over the apply phase (cpu-profile-top.ts).
// At the end it prints each client's CPU time (user + system) per apply over the apply phase after a warm-up of
// `--warmup N` applies (20: a client settling after start spends ~80 ms of CPU, 0.4 ms per apply over 200), mean
// over the clients: the floor the processes queue behind on 2 cores, split by thread (main, others) and user/system
// (thread-cpu.ts), and how many saves ended inside apply windows. `--built`: the clients run the built packages
// (dist/: build first), as an application does; by default the sources through tsx, whose esbuild transform keeps
// function names with a call per function made (`__name`), which costs CPU a build does not.
// Options: --clients N (20), --applies N (200), --built, --trace, --no-state, --save-delay MS, --warmup N,
// --profile DIR, --registry-in-process. Load average printed at the start and the end.
import { createServer } from "node:http";
import { atMost, formatInterval, loadAverageLine, meanInterval, quantileInterval } from "@outrigger/bench-stats";
import { createOutrigger } from "../src/index.js";
import { type Hops, printTrace, startClients } from "./policy-push-clients.js";
import { type RegistryEvent, startRegistry } from "./policy-push-registry.js";
import { monotonicMs as now } from "./shared-clock.js";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const CLIENTS = arg("clients", 20);
const APPLIES = arg("applies", 200);
const TRACE = process.argv.includes("--trace");
const BUILT = process.argv.includes("--built");
const REGISTRY_IN_PROCESS = process.argv.includes("--registry-in-process");
const STATE = !process.argv.includes("--no-state");
const PROFILE_AT = process.argv.indexOf("--profile");
const PROFILE_DIR = PROFILE_AT === -1 ? undefined : process.argv[PROFILE_AT + 1];
const WARMUP = arg("warmup", 20);
const SAVE_DELAY_MS = process.argv.includes("--save-delay") ? arg("save-delay", 0) : undefined;
const GOAL_MS = 50;
/** Only a guard against a hang (a client that died): a round on a loaded machine takes well under a second. */
const ROUND_GUARD_MS = 30_000;

const saving = STATE ? `, state saved${SAVE_DELAY_MS === undefined ? "" : ` (save delay ${SAVE_DELAY_MS} ms)`}` : "";
console.log(
  `policy push: ${CLIENTS} client processes (${BUILT ? "built packages" : "sources through tsx"}) × ${APPLIES} applies${TRACE ? " (trace)" : ""}${saving}; registry ${REGISTRY_IN_PROCESS ? "in the bench's process" : "in its own process"}; ${loadAverageLine()}`,
);
/** What the registry saw of the current round: watches re-armed, ACKs recorded, watches answered. */
const round = { rearmed: 0, acked: 0, ackedAt: [] as number[], answeredAt: [] as number[], wake: () => {} };
const heard = (e: RegistryEvent): void => {
  if (e.event === "rearmed") {
    round.rearmed += 1;
    if (e.carriesReport) {
      round.ackedAt.push(e.at);
      round.acked += 1;
    }
  } else if (e.event === "report-start") round.ackedAt.push(e.at);
  else if (e.event === "report-done") round.acked += 1;
  else if (e.event === "answered") round.answeredAt.push(e.at);
  round.wake();
};
const registry = await startRegistry({ inProcess: REGISTRY_IN_PROCESS, built: BUILT, trace: TRACE }, heard);
const eureka = `${registry.url}/eureka`;
const backend = await createOutrigger({
  service: "target",
  port: 0,
  config: { outrigger: { registry: { url: eureka }, instance: { host: "127.0.0.1" }, shutdown: { signals: [] } } },
  logger: { warn: () => {} },
});
await backend.listen(
  createServer((_request, response) => response.end("ok")),
  "127.0.0.1",
);

const clients = await startClients(CLIENTS, eureka, {
  trace: TRACE,
  built: BUILT,
  state: STATE,
  warmup: WARMUP,
  ...(SAVE_DELAY_MS === undefined ? {} : { saveDelayMs: SAVE_DELAY_MS }),
  ...(PROFILE_DIR ? { profileDir: PROFILE_DIR } : {}),
});
const skews = clients.originSkewMs.map(Math.abs);
console.log(
  `clock: monotonic, shared; the former per-process wall-clock origins differed from this process's by up to ${Math.max(...skews).toFixed(3)} ms`,
);
// Node loads its fetch on first use: not inside the first apply's time.
await (await fetch(`${registry.url}/outrigger/policy/reports`)).arrayBuffer();
const samples: number[] = [];
/** Each round's PUT and last client's apply (monotonic ms): a save that ended in between overlapped it. */
const windows: { started: number; ended: number; first: number }[] = [];
const hops: Hops = { rounds: [] };
for (let revision = 1; revision <= APPLIES; revision += 1) {
  Object.assign(round, { rearmed: 0, acked: 0, ackedAt: [], answeredAt: [] });
  const applied = clients.expect(revision);
  const started = now();
  const answer = await fetch(`${registry.url}/outrigger/policy/services/target`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      destination: { retry: { maxAttempts: 1 + (revision % 3) }, timeout: { totalMs: 1_000 + revision } },
    }),
  });
  await answer.arrayBuffer();
  const lines = await applied;
  // Every client ACKed and re-armed its watch (the registry saw both; one request when the ACK rides on the watch)
  // before the next apply.
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(
      () => reject(new Error(`revision ${revision}: ${round.acked} ACKs and ${round.rearmed} re-armed watches seen`)),
      ROUND_GUARD_MS,
    );
    round.wake = () => {
      if (round.acked < CLIENTS || round.rearmed < CLIENTS) return;
      clearTimeout(guard);
      resolve();
    };
    round.wake();
  });
  round.wake = () => {};
  await new Promise((resolve) => setImmediate(resolve));
  windows.push({ started, ended: Math.max(...lines.map((l) => l.at)), first: samples.length });
  for (const line of lines) {
    if (line.status !== "ACK") throw new Error(`revision ${revision} was NACKed by a client`);
    samples.push(line.at - started);
  }
  if (TRACE) hops.rounds.push({ started, lines, answeredAt: [...round.answeredAt], ackedAt: [...round.ackedAt] });
}

// The goal is a push to running processes: the first `--warmup` applies (each process's first policy, code never run
// before in the registry and the clients — an application takes its first policy at start, from the watch's first
// answer or its state file) are left out of the figures, as from the CPU per apply; shown beside them, not hidden.
const steady = samples.slice(CLIENTS * Math.min(WARMUP, APPLIES - 1));
const p99 = quantileInterval(steady, 0.99);
const p50 = quantileInterval(steady, 0.5);
const warm = samples.slice(0, samples.length - steady.length);
console.log(
  `samples ${steady.length} (applies after ${WARMUP} warm-up applies); p50 ${formatInterval(p50)} ms; p99 ${formatInterval(p99)} ms (95% interval)`,
);
console.log(
  `  with the warm-up applies: p99 ${formatInterval(quantileInterval(samples, 0.99))} ms over ${samples.length}; the warm-up's slowest client ${warm.length > 0 ? Math.max(...warm).toFixed(1) : "n/a"} ms`,
);
if (TRACE) printTrace(hops);
if (STATE) {
  // Whether the fleet's saves meet: the most that started within one 10 ms and 100 ms span (20 when all write in
  // step; their fsyncs then queue on the disk, so their ends spread), the most that ended within 100 ms, and how
  // often saves ended inside the windows of the applies that hold the p99 samples against inside the others' (per
  // second of window: a long window holds more saves by chance alone).
  const saves = [...clients.savedAt].sort((a, b) => a - b);
  const mostWithin = (times: readonly number[], ms: number) => {
    const sorted = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; j < sorted.length; j += 1) {
      while ((sorted[j] ?? 0) - (sorted[i] ?? 0) > ms) i += 1;
      most = Math.max(most, j - i + 1);
    }
    return most;
  };
  const cut = quantileInterval(samples, 0.99).estimate;
  const tail = windows.filter((w, i) => samples.slice(w.first, windows[i + 1]?.first).some((x) => x >= cut));
  const rate = (ws: typeof windows) => {
    const ms = ws.reduce((sum, w) => sum + w.ended - w.started, 0);
    const n = saves.filter((t) => ws.some((w) => t >= w.started && t <= w.ended)).length;
    return ms > 0 ? ((1_000 * n) / ms).toFixed(1) : "n/a";
  };
  const rest = windows.filter((w) => !tail.includes(w));
  console.log(
    `saves: ${clients.savingAt.length} started, at most ${mostWithin(clients.savingAt, 10)} within 10 ms and ${mostWithin(clients.savingAt, 100)} within 100 ms; ${saves.length} ended, at most ${mostWithin(saves, 100)} within 100 ms; saves ending per second of apply window: ${rate(tail)} in the ${tail.length} applies holding the p99 samples, ${rate(rest)} in the others`,
  );
}
console.log(`goal p99 ≤ ${GOAL_MS} ms: ${atMost(p99, GOAL_MS)}; ${loadAverageLine()}`);
await clients.close();
// CPU time is what 20 processes waking on 2 cores queue behind: less at the mercy of the machine's load than latency.
console.log(
  `client CPU per apply (user + system over the apply phase after ${WARMUP} warm-up applies, µs; mean over ${clients.cpuPerApplyUs.length} clients): ${formatInterval(meanInterval(clients.cpuPerApplyUs), 0)}`,
);
const split = Object.entries(clients.threadsPerApplyUs)
  .map(([name, t]) => `${name} user ${t.userUs.toFixed(0)} + system ${t.systemUs.toFixed(0)}`)
  .join("; ");
console.log(`  by thread (10 ms ticks, µs per apply, mean over the clients): ${split}`);
if (PROFILE_DIR) {
  console.log(
    `profile of client 0 in ${PROFILE_DIR}: node --import tsx bench/cpu-profile-top.ts ${PROFILE_DIR} --from-us ${clients.readyUs} --applies ${APPLIES}`,
  );
}
await backend.close();
await registry.close();
