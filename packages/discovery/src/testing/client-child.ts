// A client process for the cold-start test: follows one service with a disk snapshot and reports on stdout.
import { EurekaDeltaInstancer } from "../eureka-delta-instancer.js";
import type { Instancer } from "../instancer.js";
import { RegistryWatchInstancer } from "../registry-watch-instancer.js";

const options = {
  registryUrl: String(process.env.REGISTRY_URL),
  service: String(process.env.SERVICE),
  snapshotFile: String(process.env.SNAPSHOT_FILE),
};
const instancer: Instancer & { flush(): Promise<void> } =
  process.env.MODE === "delta"
    ? new EurekaDeltaInstancer({ ...options, pollIntervalMs: 100 })
    : new RegistryWatchInstancer({ ...options, backoff: { initialMs: 50, maxMs: 200 } });
const say = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);
const ids = () => instancer.current().instances.map((i) => i.id);

say("started", { ids: ids() });
// Reported once on disk, so the test may crash this process right after.
instancer.onChange(() => void instancer.flush().then(() => say("change", { ids: ids() })));
instancer.onError((error) => say("error", { code: (error as { code?: string }).code, ids: ids() }));
setInterval(() => {}, 60_000); // the instancer's timers are unref'd; a real client has a server keeping it alive
