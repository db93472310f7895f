// Reproduction, not part of the suite (newcomer, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/node/repro/unknown-service-per-try.repro.ts
// Found by following packages/node/README.md as a newcomer, with its own config example (perTryMs 500).
// 1. The README: "a service nobody ever registered fails with OUTRIGGER_UNKNOWN_SERVICE, which says what to check".
//    With `timeout.perTryMs` (500) below `clients.waitForInstancesMs` (2 000, default), og.http's first request waits
//    for discovery inside the attempt (service-balancer.ts `#firstInstances` follows the attempt's signal), so the
//    per-try timeout ends the wait: the caller gets RESILIENCE_TIMEOUT "the attempt took longer than 500 ms" after
//    three tries (~1.5 s) — nothing says the service is unknown or to check the registry URL.
// 2. Seen in a newcomer's service (not forced here: it depends on whether the first wait's shared 2 s timer ran
//    before the next request): once that timer ran, the name is refused for `clients.unknownServiceCacheMs` (5 s)
//    even after the service registered — at once, with OUTRIGGER_UNKNOWN_SERVICE "… is known to the registry after
//    2000 ms" (service-clients.ts `refuseUnknown`): no wait and no lookup took place, and the message does not say
//    the refusal is cached or for how long. This script prints what the second request got.
// Exit code 1 while (1) holds.
import { createServer } from "node:http";
import { startServer } from "@outrigger/registry-server";
import { createOutrigger } from "../src/index.js";

const registry = await startServer({ port: 0 });
const section = {
  registry: { url: `${registry.url}/eureka` },
  instance: { host: "127.0.0.1" },
  clients: { services: { inventory: { retry: { maxAttempts: 3 }, timeout: { perTryMs: 500, totalMs: 2000 } } } },
};
const orders = await createOutrigger({ service: "orders", port: 0, config: { outrigger: section } });
let started = Date.now();
const first = (await orders.http.get("lb://inventory/items").catch((error: unknown) => error)) as {
  code?: string;
  message: string;
};
console.log(`1. unregistered inventory, after ${Date.now() - started} ms: ${first.code} — ${first.message}`);

const inventory = await createOutrigger({ service: "inventory", port: 0, config: { outrigger: section } });
await inventory.listen(createServer(inventory.inbound.nodeHandler((_req, res) => res.end('{"items":[]}'))));
started = Date.now();
const second = (await orders.http.get("lb://inventory/items").catch((error: unknown) => error)) as {
  code?: string;
  message?: string;
  data?: unknown;
};
console.log(
  `2. inventory registered and listening, after ${Date.now() - started} ms: ${second.code ?? "ok"} — ${second.message ?? JSON.stringify(second.data)}`,
);
await orders.close();
await inventory.close();
await registry.close();
process.exitCode = first.code === "OUTRIGGER_UNKNOWN_SERVICE" ? 0 : 1;
