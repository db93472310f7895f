// One client process of the policy-push benchmark: createOutrigger watching "target", printing one JSON line per
// revision it applies, with the wall-clock time (ms, sub-ms resolution) it was applied at.
import { createOutrigger } from "../src/index.js";

const [registryUrl = ""] = process.argv.slice(2);
const og = await createOutrigger({
  service: "pusher",
  port: 0,
  config: { outrigger: { registry: { url: registryUrl, enabled: false }, shutdown: { signals: ["SIGTERM"] } } },
  logger: { warn: () => {} },
});
og.controlPlane.onApply((event) => {
  const at = performance.timeOrigin + performance.now();
  process.stdout.write(`${JSON.stringify({ event: "apply", revision: event.revision, status: event.status, at })}\n`);
});
// The first call makes the service's watch (its parts are made on first use).
await (await og.fetch("lb://target/")).text();
process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
