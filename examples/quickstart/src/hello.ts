// A `hello` service instance: answers HTTP with its own id and keeps itself registered.
// Reports what it does as JSON lines on stdout, so the demo and tests wait on events.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { EurekaRegistrar } from "@outrigger/discovery";
import { settings } from "./settings.js";

const config = settings();
const name = config.get<string>("hello.name");
const report = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, name, ...fields })}\n`);
};

const server = createServer((_request, response) => {
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ hello: "world", from: name }));
});
server.listen(config.get<number>("hello.port"), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  const registrar = new EurekaRegistrar({
    registryUrl: `${config.get<string>("registry.url")}/eureka`,
    instance: { app: config.get<string>("hello.service"), host: "127.0.0.1", port, instanceId: name },
    renewIntervalMs: config.get<number>("hello.renewIntervalMs"),
    leaseDurationSec: config.get<number>("registry.leaseDurationSec"),
    // A registry started with --token and --tls-cert: its write token and the CA that signed its certificate.
    ...(config.has("registry.token") ? { token: config.get<string>("registry.token") } : {}),
    ...(config.has("registry.caFile") ? { tls: { ca: readFileSync(config.get<string>("registry.caFile")) } } : {}),
  });
  registrar.onRegister(({ reason }) => report("registered", { reason, port }));
  registrar.onError((error) => report("registry-error", { message: error.message }));
  void registrar.register();

  const shutdown = (): void => {
    void registrar.close().then(() => {
      report("deregistered");
      server.close();
      process.exit(0);
    });
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
});
