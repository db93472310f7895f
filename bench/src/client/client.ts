// The client service: answers each incoming request with one downstream call made through the chosen variant.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { emit, serveCommands } from "../proc/child.js";
import type { Downstream } from "../variants/downstream.js";
import { createPlainDownstream } from "../variants/plain.js";
import { type PolicyName, type PolicySource, policyByName } from "../variants/policy.js";
import { createSdkDownstream } from "../variants/sdk.js";

function downstreamFromEnv(): Downstream {
  const variant = process.env.CLIENT_VARIANT;
  const judged = process.env.JUDGE_KEPT_RESPONSE === "1";
  const policy = () => policyByName((process.env.POLICY ?? "matched") as PolicyName);
  const upstreams = (process.env.UPSTREAM_URLS ?? "").split(",").filter(Boolean);
  const registryUrl = process.env.REGISTRY_URL ?? "";
  const policyDir = process.env.POLICY_DIR || undefined;
  const source: PolicySource = process.env.POLICY_SOURCE === "central" ? "central" : "file";
  switch (variant) {
    case "direct":
      return createPlainDownstream(upstreams, "axios");
    case "direct-undici":
      return createPlainDownstream(upstreams, "undici");
    case "sdk":
      return createSdkDownstream(registryUrl, policy(), policyDir, "axios", source, judged);
    case "sdk-undici":
      return createSdkDownstream(registryUrl, policy(), policyDir, "undici", source, judged);
    case "haproxy-http":
    case "haproxy-tcp":
      return createPlainDownstream([process.env.SIDECAR_URL ?? ""], "axios");
    default:
      throw new Error(
        `CLIENT_VARIANT must be direct, direct-undici, sdk, sdk-undici, haproxy-http or haproxy-tcp, got ${variant}`,
      );
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
