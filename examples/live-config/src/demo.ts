// Runs two `hello` backends and a client, then rewrites a ConfigMap-style directory the way kubelet does:
// the client switches its retry count and balancing rule while traffic flows, and no request fails.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { FixedInstancer } from "@outrigger/discovery";
import { startBackend } from "./backends.js";
import { createLiveClient } from "./live-client.js";
import { liveSettings } from "./settings.js";

const dir = mkdtempSync(join(tmpdir(), "live-config-demo-"));
const initial = readFileSync(new URL("../config/default.json", import.meta.url), "utf8");
writeAtomically(dir, { "default.json": initial });
const backends = [await startBackend("hello-a", "a"), await startBackend("hello-b", "b")];
const settings = liveSettings(dir);
const client = createLiveClient(settings, { hello: new FixedInstancer(backends.map((b) => b.instance)) });
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
      const { data } = await client.http.get<{ from: string }>("lb://hello/");
      tally.set(data.from, (tally.get(data.from) ?? 0) + 1);
    } catch {
      failed++;
    }
  }
  console.log(`${label}: ${JSON.stringify(Object.fromEntries(tally))}`);
};

await phase("round robin", 500);
const next = JSON.parse(initial);
next.client.lb.rule = "zone-affinity";
next.client.retry.maxAttempts = 4;
writeAtomically(dir, { "default.json": JSON.stringify(next) });
await phase("during the swap", 500);
writeAtomically(dir, { "default.json": JSON.stringify({ client: { retry: { maxAttempts: 99 } } }) });
await phase("after an invalid update (kept out)", 500);
console.log(`failed requests: ${failed}`);

client.close();
settings.close();
await Promise.all(backends.map((b) => b.close()));
rmSync(dir, { recursive: true, force: true });
