// The client service: answers each incoming request with one downstream call made through the chosen variant.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { emit, serveCommands } from "../proc/child.js";
import type { Downstream } from "../variants/downstream.js";
import { createPlainDownstream } from "../variants/plain.js";
import { type PolicyName, policyByName } from "../variants/policy.js";
import { createSdkDownstream } from "../variants/sdk.js";

function downstreamFromEnv(): Downstream {
  const variant = process.env.CLIENT_VARIANT;
  switch (variant) {
    case "direct":
      return createPlainDownstream((process.env.UPSTREAM_URLS ?? "").split(",").filter(Boolean));
    case "sdk":
      return createSdkDownstream(
        process.env.REGISTRY_URL ?? "",
        policyByName((process.env.POLICY ?? "matched") as PolicyName),
        process.env.POLICY_DIR || undefined,
      );
    case "haproxy-http":
    case "haproxy-tcp":
      return createPlainDownstream([process.env.SIDECAR_URL ?? ""]);
    default:
      throw new Error(`CLIENT_VARIANT must be direct, sdk, haproxy-http or haproxy-tcp, got ${variant}`);
  }
}

const downstream = downstreamFromEnv();
const server = createServer((request, response) => {
  request.resume();
  void downstream.call().then((status) => {
    response.writeHead(status < 500 ? 200 : status, { "content-type": "text/plain" }).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  emit("listening", { port: (server.address() as AddressInfo).port });
});

serveCommands(async (command) => {
  if (command.cmd === "attempts")
    return {
      attempts: downstream.attempts(),
      failures: downstream.failures(),
      marks: downstream.marks?.() ?? {},
    };
  throw new Error(`unknown command ${String(command.cmd)}`);
});
