// Runs a registry, two `hello` instances (zones a and b), a quota-bound `quota` and an always-503 `flaky`, and a
// caller made by one createOutrigger call; then rewrites the caller's ConfigMap-style directory the way kubelet
// does. The caller switches its retries, its rate limit for `quota` and its balancing rule while traffic flows; an
// invalid update is refused, counted on /metrics, and the last good policy keeps serving.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorld } from "./backends.js";
import { call, startCaller } from "./caller.js";
import { exampleConfig, writeConfigMap } from "./config-map.js";

const world = await startWorld();
const dir = mkdtempSync(join(tmpdir(), "live-config-demo-"));
const config = exampleConfig();
writeConfigMap(dir, config, world.registryUrl);
const og = await startCaller(dir);
og.onError((error) => console.log(`config refused: ${error.code} at ${error.path}`));

let failed = 0;
/** `calls` calls to hello, and then more until `until` settles (when given); which instances answered. */
const phase = async (label: string, calls: number, until?: Promise<void>) => {
  const tally = new Map<string, number>();
  let done = until === undefined;
  void until?.then(() => {
    done = true;
  });
  for (let i = 0; i < calls || !done; i++) {
    try {
      const from = await call(og, "hello");
      tally.set(from, (tally.get(from) ?? 0) + 1);
    } catch {
      failed++;
    }
  }
  console.log(`${label}: ${JSON.stringify(Object.fromEntries(tally))}`);
};
// Ten calls to the quota-bound service: its rate limit admits some and refuses the rest at once, saying when to retry.
const quotaBurst = async (label: string) => {
  let admitted = 0;
  let refused = "";
  for (let i = 0; i < 10; i++) {
    try {
      await call(og, "quota");
      admitted++;
    } catch (error) {
      const { code, retryAfterMs } = error as { code?: string; retryAfterMs?: number };
      if (code !== "RESILIENCE_RATE_LIMITED") throw error;
      refused = `, the rest refused (${code}, retry after ${retryAfterMs} ms)`;
    }
  }
  console.log(`${label}: quota admitted ${admitted} of 10${refused}`);
};
const flakyAttempts = async (label: string) => {
  const before = world.flakyRequests();
  await call(og, "flaky").catch(() => {});
  console.log(`${label}: one call to flaky (always 503) made ${world.flakyRequests() - before} attempts`);
};
/** Waits until og has taken in the directory's update (applied or refused): og.config() or og.onError says. */
const settled = (applied: () => boolean) =>
  new Promise<void>((resolve) => {
    const sub = og.onError(() => finish());
    const timer = setInterval(() => applied() && finish(), 10);
    const finish = () => {
      clearInterval(timer);
      sub.dispose();
      resolve();
    };
  });

await phase("round robin", 20);
await flakyAttempts("maxAttempts 2");
await quotaBurst("limit 3 a minute");

const clients = config.outrigger.clients ?? {};
clients.defaults = {
  ...clients.defaults,
  rule: { name: "zone-preference", zone: "a" },
  retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 20 },
};
clients.services = { ...clients.services, quota: { rateLimit: { points: 20, durationMs: 60_000 } } };
writeConfigMap(dir, config, world.registryUrl);
await phase(
  "during the swap",
  20,
  settled(() => og.config().clients.defaults.retry?.maxAttempts === 4),
);
await phase("zone preference for zone a", 20);
await flakyAttempts("maxAttempts 4");
await quotaBurst("limit raised to 20 a minute");

clients.services = { ...clients.services, quota: { rateLimit: { points: 0, durationMs: 60_000 } } };
writeConfigMap(dir, config, world.registryUrl);
await phase(
  "during an invalid update",
  20,
  settled(() => false),
);
await phase("after it (refused)", 20);
await quotaBurst("limit still 20 a minute, 10 left in this window");
const metrics = await (await fetch(`${og.adminUrl}/metrics`)).text();
for (const line of metrics.split("\n")) if (/^outrigger_policy_/.test(line)) console.log(`/metrics: ${line}`);
console.log(`failed requests within the limits: ${failed}`);

await og.close();
await world.close();
rmSync(dir, { recursive: true, force: true });
