// A service process for the shutdown-hook test: registers, installs the hook, says so on stdout, then idles.
import { EurekaRegistrar } from "../eureka-registrar.js";
import { deregisterOnShutdown } from "../shutdown-hook.js";

const registrar = new EurekaRegistrar({
  registryUrl: String(process.env.REGISTRY_URL),
  instance: { app: "shutdown", host: "127.0.0.1", port: 9100, instanceId: String(process.env.INSTANCE_ID) },
  requestTimeoutMs: 60_000, // long on purpose: only the hook's own timeout may bound a stuck deregistration
});
deregisterOnShutdown(registrar, { timeoutMs: Number(process.env.HOOK_TIMEOUT_MS ?? 3_000) });
await registrar.register();
process.stdout.write(`${JSON.stringify({ event: "registered", id: registrar.instanceId })}\n`);
// The registrar's timers are unref'd by design; this keeps the demo service alive like a real server would.
setInterval(() => {}, 60_000);
