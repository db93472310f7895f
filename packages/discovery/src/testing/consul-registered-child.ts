// A service process for the Consul tests: registers through a ConsulRegistrar, says so on stdout, then idles until
// it is killed — so its pass loop dies with it and nothing deregisters it, as when a service crashes.
import { ConsulRegistrar } from "../consul-registrar.js";

const registrar = new ConsulRegistrar({
  consul: { host: "127.0.0.1", port: Number(process.env.CONSUL_PORT) },
  service: { name: String(process.env.SERVICE), id: String(process.env.SERVICE_ID), host: "127.0.0.1", port: 9400 },
  ttlSec: Number(process.env.TTL_SEC ?? 1),
  deregisterCriticalServiceAfter: process.env.REAP_AFTER ?? "1m",
});
await registrar.register();
process.stdout.write(`${JSON.stringify({ event: "registered", id: registrar.serviceId })}\n`);
// The registrar's timers are unref'd by design; this keeps the demo service alive like a real server would.
setInterval(() => {}, 60_000);
