// Runs two `hello` backends, a quota-bound `quota` backend and a client, then rewrites a ConfigMap-style directory
// the way kubelet does: the client switches its retry count, its rate limit for `quota` and its balancing rule while
// traffic flows, and no request within the limits fails.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { FixedInstancer } from "@outrigger/discovery";
import { isResilienceError } from "@outrigger/resilience";
import { startBackend } from "./backends.js";
import { createLiveClient } from "./live-client.js";
import { liveSettings } from "./settings.js";

const dir = mkdtempSync(join(tmpdir(), "live-config-demo-"));
const initial = readFileSync(new URL("../config/default.json", import.meta.url), "utf8");
writeAtomically(dir, { "default.json": initial });
const hello = [await startBackend("hello-a", "a"), await startBackend("hello-b", "b")];
const quota = await startBackend("quota-1", "a", "quota");
const settings = liveSettings(dir);
const client = createLiveClient(settings, {
  hello: new FixedInstancer(hello.map((b) => b.instance)),
  quota: new FixedInstancer([quota.instance]),
});
settings.onChange(({ changes }) => {
  for (const c of changes)
    console.log(`config: ${c.path} ${JSON.stringify(c.oldValue)} → ${JSON.stringify(c.newValue)}`);
});
settings.onError((error) => console.log(`config rejected: ${error.code} ${error.message}`));

let failed = 0;
const tally = new Map<string, number>();
const phase = async (label: string, ms: number) => {
  tally.clear();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const { data } = await client.http("hello").get<{ from: string }>("lb://hello/");
      tally.set(data.from, (tally.get(data.from) ?? 0) + 1);
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
      await client.http("quota").get("lb://quota/");
      admitted++;
    } catch (error) {
      if (!isResilienceError(error) || error.code !== "RESILIENCE_RATE_LIMITED") throw error;
      refused = `, the rest refused (${error.code}, retry after ${error.retryAfterMs} ms)`;
    }
  }
  console.log(`${label}: quota admitted ${admitted} of 10${refused}`);
};

await phase("round robin", 500);
await quotaBurst("limit 3 a minute");
const next = JSON.parse(initial);
next.client.lb.rule = { name: "zone-preference", zone: "a" };
next.client.policy.retry.maxAttempts = 4;
next.client.policies.quota.rateLimit.points = 20;
writeAtomically(dir, { "default.json": JSON.stringify(next) });
await phase("during the swap", 500);
await quotaBurst("limit raised to 20 a minute");
next.client.policies.quota.rateLimit.points = 0;
writeAtomically(dir, { "default.json": JSON.stringify(next) });
await phase("after an invalid update (kept out)", 500);
await quotaBurst("limit still 20 a minute, 10 left in this window");
console.log(`failed requests within the limits: ${failed}`);

client.close();
settings.close();
await Promise.all([...hello, quota].map((b) => b.close()));
rmSync(dir, { recursive: true, force: true });
