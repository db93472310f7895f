// One client process of the policy-push benchmark: createOutrigger watching "target", printing one JSON line per
// revision it applies, with the monotonic time (ms, shared-clock.ts) it was applied at — read in its `onApply`, which
// fires once the revision is live (the snapshot swapped and the service's pipeline and balancer re-applied), before
// the ACK is sent and the revision is saved. With `--trace` it also prints when the watch answer that carried the
// revision arrived (its headers, from undici's diagnostics channel: Node's fetch and undici both publish there) and
// when the registry answered its ACK (or, carried on the next watch, when that request left). Args: registry URL,
// state directory ("" for none), then flags (`--built`: the built package, `--trace`, `--save-delay MS`: controlPlane.saveDelayMs, `--warmup N`:
// the first N applies after `ready` are left out of the CPU per apply).
// It ends on SIGTERM by closing og and exiting, so a `--cpu-prof` given to this process writes its profile.
import { subscribe } from "node:diagnostics_channel";
import { watch } from "node:fs";
import type * as Og from "../src/index.js";
import { monotonicMs as now } from "./shared-clock.js";
import { threadTicks, ticksSince } from "./thread-cpu.js";

const [registryUrl = "", stateDir = ""] = process.argv.slice(2);
const trace = process.argv.includes("--trace");
const saveDelayAt = process.argv.indexOf("--save-delay");
const saveDelayMs = saveDelayAt === -1 ? undefined : Number(process.argv[saveDelayAt + 1]);
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** When the last watch answer of "target" arrived (its headers), for the trace. */
let watchAnsweredAt = Number.NaN;
let lastRevision = 0;
if (trace) {
  subscribe("undici:request:headers", (message) => {
    const { request } = message as { request: { method: string; path: string } };
    if (request.path.startsWith("/outrigger/watch/apps/TARGET")) watchAnsweredAt = now();
    else if (request.method === "POST" && request.path.startsWith("/outrigger/policy/reports")) {
      print({ event: "ack", revision: lastRevision, at: now() });
    }
  });
  // An ACK carried on the next watch request (a registry that reads them there) is sent with that request.
  subscribe("undici:request:create", (message) => {
    const { request } = message as { request: { path: string; headers: unknown } };
    if (request.path.startsWith("/outrigger/watch/apps/TARGET") && String(request.headers).includes("nonce")) {
      print({ event: "ack", revision: lastRevision, at: now() });
    }
  });
}

// `--built`: og as an application runs it, the built package (dist/, its siblings' dist/ too: the process runs
// without the source condition); else the sources through tsx, as the tests run them.
const built = process.argv.includes("--built");
const { createOutrigger } = (await import(built ? "../dist/index.js" : "../src/index.js")) as typeof Og;
const og = await createOutrigger({
  service: "pusher",
  port: 0,
  config: { outrigger: { registry: { url: registryUrl, enabled: false }, shutdown: { signals: [] } } },
  ...(stateDir ? { controlPlane: { stateDir, ...(saveDelayMs === undefined ? {} : { saveDelayMs }) } } : {}),
  logger: { warn: (message: string) => process.stderr.write(`client: ${message}\n`) },
});
const warmupAt = process.argv.indexOf("--warmup");
/**
 * Applies not counted in the CPU per apply: a process is not settled at `ready` — measured idle, a client spends
 * ~80 ms of CPU in the seconds after it (compiling and collecting what start-up left), ~0.4 ms per apply over 200.
 */
const warmup = warmupAt === -1 ? 0 : Number(process.argv[warmupAt + 1]);
/** CPU time from the end of the warm-up on (the apply phase), and the revisions applied since: the per-push cost. */
let cpuFrom: NodeJS.CpuUsage | undefined;
/** Each thread's CPU ticks at the same moment, for the split by thread (thread-cpu.ts). */
let ticksFrom: ReturnType<typeof threadTicks> | undefined;
let ready = false;
let afterReady = 0;
let applied = 0;
process.once("SIGTERM", () => {
  const cpu = process.cpuUsage(cpuFrom);
  print({
    event: "cpu",
    us: cpu.user + cpu.system,
    userUs: cpu.user,
    applied,
    threads: ticksFrom ? ticksSince(ticksFrom) : {},
  });
  void og.close().finally(() => process.exit(0));
});
function startCpu(): void {
  cpuFrom = process.cpuUsage();
  ticksFrom = threadTicks();
}
og.controlPlane.onApply((event) => {
  const at = now();
  if (ready) afterReady += 1;
  if (cpuFrom) applied += 1;
  else if (ready && afterReady === warmup) startCpu();
  lastRevision = event.revision;
  print({ event: "apply", revision: event.revision, status: event.status, at, watchAnsweredAt });
});
// The first call makes the service's watch (its parts are made on first use).
await (await og.fetch("lb://target/")).text();
// `wallMinusMono`: what the former clock (this process's wall-clock origin) adds to the shared one, so the bench
// can show how far the processes' origins disagree. `readyUs`: from here on the profile is the apply phase.
ready = true;
if (warmup === 0) startCpu();
// A save starts with its own temp file (first seen: made; seen again: renamed away) and ends with the state file
// renamed into place: the bench tells from these whether the fleet's saves meet and which applies they overlapped.
if (stateDir) {
  const temps = new Set<string>();
  watch(stateDir, (kind, file) => {
    if (kind !== "rename" || !file) return;
    if (file.endsWith(".policy.json")) print({ event: "saved", at: now() });
    else if (file.endsWith(".tmp") && !temps.has(file)) {
      temps.add(file);
      print({ event: "saving", at: now() });
    }
  }).unref();
}
print({
  event: "ready",
  wallMinusMono: performance.timeOrigin + performance.now() - now(),
  readyUs: Math.round(now() * 1_000),
});
