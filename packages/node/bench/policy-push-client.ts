// One client process of the policy-push benchmark: createOutrigger watching "target", printing one JSON line per
// revision it applies, with the wall-clock time (ms, sub-ms resolution) it was applied at. With `--trace` it also
// prints when the watch answer that carried the revision arrived (its headers, from undici's diagnostics channel:
// Node's fetch and undici both publish there) and when the registry answered its ACK.
import { subscribe } from "node:diagnostics_channel";
import { createOutrigger } from "../src/index.js";

const [registryUrl = ""] = process.argv.slice(2);
const trace = process.argv.includes("--trace");
const now = (): number => performance.timeOrigin + performance.now();
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
}

const og = await createOutrigger({
  service: "pusher",
  port: 0,
  config: { outrigger: { registry: { url: registryUrl, enabled: false }, shutdown: { signals: ["SIGTERM"] } } },
  logger: { warn: () => {} },
});
og.controlPlane.onApply((event) => {
  const at = now();
  lastRevision = event.revision;
  print({ event: "apply", revision: event.revision, status: event.status, at, watchAnsweredAt });
});
// The first call makes the service's watch (its parts are made on first use).
await (await og.fetch("lb://target/")).text();
print({ event: "ready" });
