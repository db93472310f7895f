// A service that awaits register() at top level while its registry is down (OUTRIGGER_REGISTRY_URL refuses):
// it must stay alive and keep retrying, reporting each failure, instead of exiting with code 13.
import { EurekaRegistrar } from "../eureka-registrar.js";

const registrar = new EurekaRegistrar({
  registryUrl: process.env.OUTRIGGER_REGISTRY_URL ?? "http://127.0.0.1:1/eureka",
  instance: { app: "orders", host: "127.0.0.1", port: 9300, instanceId: "o-down" },
  retry: { initialMs: 20, maxMs: 40 },
});
let failures = 0;
registrar.onError((error) => {
  failures += 1;
  console.log(JSON.stringify({ event: "register-failed", failures, code: (error as { code?: string }).code }));
  if (failures === 3) {
    console.log(JSON.stringify({ event: "still-retrying", failures }));
    process.exit(0);
  }
});
await registrar.register();
console.log(JSON.stringify({ event: "registered" }));
