// Propagation latency from a registration to a subscribed instancer: watch (push) vs. polling.
// The registry runs as its own process, as in production; the instancers and the registrar share this one.
import { performance } from "node:perf_hooks";
import {
  formatInterval,
  type Interval,
  loadAverageLine,
  quantileInterval,
  samplesToBound,
} from "@outrigger/bench-stats";
import { EurekaDeltaInstancer } from "../src/eureka-delta-instancer.js";
import { EurekaInstancer } from "../src/eureka-instancer.js";
import { EurekaRegistrar } from "../src/eureka-registrar.js";
import type { Instancer } from "../src/instancer.js";
import { RegistryWatchInstancer } from "../src/registry-watch-instancer.js";
import { RegistryProcess } from "../src/testing/registry-process.js";

/** Samples per mode: enough for a p50 with an interval; a p99 is bounded only from `samplesToBound(0.99)` on. */
const SAMPLES = Number(process.env.SAMPLES ?? 40);
/** Poll interval of the polling modes: 1 s, far below Eureka's 30 s default, to keep the run short. */
const POLL_MS = 1_000;

type Mode = "watch" | "delta-poll" | "full-poll";

function makeInstancer(mode: Mode, registryUrl: string): Instancer {
  const service = `bench-${mode}`;
  if (mode === "watch") return new RegistryWatchInstancer({ registryUrl, service });
  if (mode === "delta-poll") return new EurekaDeltaInstancer({ registryUrl, service, pollIntervalMs: POLL_MS });
  return new EurekaInstancer({ registryUrl, service, pollIntervalMs: POLL_MS });
}

function seen(instancer: Instancer, id: string, present: boolean): Promise<void> {
  const has = () => instancer.current().instances.some((i) => i.id === id) === present;
  if (has()) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = instancer.onChange(() => {
      if (!has()) return;
      sub.dispose();
      resolve();
    });
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One registration → visible sample through `instancer`, then its removal (awaited, so samples do not overlap). */
async function sample(mode: Mode, instancer: Instancer, registryUrl: string, n: number): Promise<number> {
  // A random offset, so registrations do not fall at the same phase of the poll interval every time.
  await pause(Math.random() * POLL_MS);
  const registrar = new EurekaRegistrar({
    registryUrl,
    instance: { app: `bench-${mode}`, host: "127.0.0.1", port: 10_000 + n, instanceId: `${mode}-${n}` },
    renewIntervalMs: 60_000,
  });
  const visible = seen(instancer, `${mode}-${n}`, true);
  const started = performance.now();
  await registrar.register();
  await visible;
  const took = performance.now() - started;
  const gone = seen(instancer, `${mode}-${n}`, false);
  await registrar.close();
  await gone;
  return took;
}

const registry = new RegistryProcess();
await registry.start();
const modes = ["watch", "delta-poll", "full-poll"] as const;
const instancers = modes.map((mode) => makeInstancer(mode, registry.eurekaUrl));
try {
  console.log(loadAverageLine());
  const latencies = modes.map(() => [] as number[]);
  // Interleaved: sample n of every mode runs before sample n + 1 of any, so background load hits them alike.
  for (let n = 0; n < SAMPLES; n += 1) {
    for (const [i, mode] of modes.entries()) {
      latencies[i]?.push(await sample(mode, instancers[i] as Instancer, registry.eurekaUrl, n));
    }
  }
  const [watch, delta, full] = latencies.map((l) => ({
    p50: quantileInterval(l, 0.5),
    p99: quantileInterval(l, 0.99),
  }));
  for (const [i, mode] of modes.entries()) {
    const r = [watch, delta, full][i];
    if (r)
      console.log(
        `${mode.padEnd(11)} p50 ${formatInterval(r.p50)} ms  p99 ${formatInterval(r.p99)} ms  (${SAMPLES} samples)`,
      );
  }
  console.log(`${loadAverageLine()}; a p99 needs ${samplesToBound(0.99)} samples to be bounded (SAMPLES=…).`);
  const speedup = (a: Interval | undefined, b: Interval | undefined) =>
    a && b ? Math.round((a.estimate / b.estimate) * 10) / 10 : Number.NaN;
  console.log(
    JSON.stringify({
      benchmark: "discovery-propagation",
      samples: SAMPLES,
      pollIntervalMs: POLL_MS,
      watch,
      deltaPoll: delta,
      fullPoll: full,
      // Baseline: polling, what a stock Eureka client does. Higher is better for watch.
      p50SpeedupVsDeltaPoll: speedup(delta?.p50, watch?.p50),
      p50SpeedupVsFullPoll: speedup(full?.p50, watch?.p50),
    }),
  );
} finally {
  for (const instancer of instancers) instancer.close();
  await registry.kill();
}
