// Propagation latency from a registration to a subscribed instancer: watch (push) vs. polling.
// The registry runs as its own process, as in production; the instancers and the registrar share this one.
import { performance } from "node:perf_hooks";
import { EurekaDeltaInstancer } from "../src/eureka-delta-instancer.js";
import { EurekaInstancer } from "../src/eureka-instancer.js";
import { EurekaRegistrar } from "../src/eureka-registrar.js";
import type { Instancer } from "../src/instancer.js";
import { RegistryWatchInstancer } from "../src/registry-watch-instancer.js";
import { RegistryProcess } from "../src/testing/registry-process.js";

/** Samples per mode: enough for a stable p50, and a p99 that is the worst of a few dozen (say so when reading it). */
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

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(mode: Mode, registryUrl: string): Promise<{ p50: number; p99: number; mean: number }> {
  const instancer = makeInstancer(mode, registryUrl);
  const latencies: number[] = [];
  try {
    for (let n = 0; n < SAMPLES; n += 1) {
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
      latencies.push(performance.now() - started);
      const gone = seen(instancer, `${mode}-${n}`, false);
      await registrar.close();
      await gone;
    }
  } finally {
    instancer.close();
  }
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), mean: round(mean) };
}

const registry = new RegistryProcess();
await registry.start();
try {
  const results: Record<string, { p50: number; p99: number; mean: number }> = {};
  for (const mode of ["watch", "delta-poll", "full-poll"] as const) {
    results[mode] = await measure(mode, registry.eurekaUrl);
    console.log(`${mode.padEnd(11)} p50 ${results[mode].p50} ms  p99 ${results[mode].p99} ms  (${SAMPLES} samples)`);
  }
  const watch = results.watch as { p50: number; p99: number };
  const delta = results["delta-poll"] as { p50: number; p99: number };
  const full = results["full-poll"] as { p50: number; p99: number };
  console.log(
    "Shared 2-core machine, other builds running: absolute figures are noisy; the ratios to polling are the point.",
  );
  console.log(
    JSON.stringify({
      benchmark: "discovery-propagation",
      samples: SAMPLES,
      pollIntervalMs: POLL_MS,
      watch,
      deltaPoll: delta,
      fullPoll: full,
      // Baseline: polling, what a stock Eureka client does. Higher is better for watch.
      p50SpeedupVsDeltaPoll: Math.round((delta.p50 / watch.p50) * 10) / 10,
      p99SpeedupVsDeltaPoll: Math.round((delta.p99 / watch.p99) * 10) / 10,
      p50SpeedupVsFullPoll: Math.round((full.p50 / watch.p50) * 10) / 10,
    }),
  );
} finally {
  await registry.kill();
}
