// A `hello` service instance: answers HTTP with its own id, registered, heartbeating and drained by @outrigger/node
// (settings: config/, the `outrigger` section). Reports what it does as JSON lines on stdout, so the demo and tests
// wait on events.
import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node";
import { configDir, settings } from "./settings.js";

const config = settings();
const name = config.get<string>("hello.name");
const report = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, name, ...fields })}\n`);
};

const og = await createOutrigger({ service: config.get<string>("hello.service"), port: 0, config: configDir });
og.onRegister(({ reason }) => report("registered", { reason, port: og.port }));
og.onError((error) => report("registry-error", { code: error.code, message: error.message }));
await og.listen(
  createServer(
    og.inbound.nodeHandler((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ hello: "world", from: name }));
    }),
  ),
);
