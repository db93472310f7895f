// An SDK process for the real-Prometheus test: createOutrigger (@outrigger/node) registered as SERVICE at
// REGISTRY_URL, with telemetry's prom-client metrics on its own `/metrics`. It prints `{"event":"ready","port":…}`
// once it listens, then runs the calls the test writes on stdin, one JSON line each
// (`{"id":1,"url":"lb://inventory/items","count":5}`), answering `{"event":"done","id":1,"statuses":{"200":5}}`.
// On SIGTERM it closes og (deregisters) and exits.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { createOutrigger } from "@outrigger/node";
import { Registry } from "prom-client";
import { registerPrometheus } from "./prometheus.js";

const registry = new Registry();
const prometheus = registerPrometheus(registry);
const og = await createOutrigger({
  service: String(process.env.SERVICE),
  port: 0,
  config: {
    outrigger: {
      registry: { url: String(process.env.REGISTRY_URL), renewIntervalMs: 1_000 },
      instance: { host: "127.0.0.1" },
      shutdown: { signals: [], graceMs: 1_000 },
      clients: JSON.parse(String(process.env.CLIENTS)),
    },
  },
  logger: { warn: (message: string) => process.stderr.write(`${message}\n`) },
});
const server = createServer(
  og.inbound.nodeHandler((request, response) => {
    if (request.url !== "/metrics") return void response.writeHead(404).end();
    registry.metrics().then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text));
  }),
);
await og.listen(server, "127.0.0.1");
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
say({ event: "ready", port: (server.address() as AddressInfo).port });

// One call after the other, so the balancer's order (and so which calls fail) is the same on every run.
createInterface({ input: process.stdin }).on("line", async (line) => {
  const { id, url, count } = JSON.parse(line) as { id: number; url: string; count: number };
  const statuses: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await og.fetch(url, { signal: AbortSignal.timeout(5_000) });
    await answer.arrayBuffer();
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  }
  say({ event: "done", id, statuses });
});
process.once("SIGTERM", async () => {
  prometheus.close();
  await og.close();
  server.close();
  process.exit(0);
});
