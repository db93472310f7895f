// The client service: answers each incoming request with one downstream call made through the chosen variant.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SERVER_TIMING, serverTiming } from "../fleet/server-timing.js";
import { emit, serveCommands } from "../proc/child.js";
import { ALL_VARIANTS } from "../scenarios/variant-names.js";
import type { Downstream } from "../variants/downstream.js";
import { createPlainDownstream } from "../variants/plain.js";
import { type PolicyName, type PolicySource, policyByName } from "../variants/policy.js";
import { createSdkDownstream } from "../variants/sdk.js";
import { ClientProbe } from "./diagnostics.js";

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
    case "sdk-axios-http":
      return createSdkDownstream(registryUrl, policy(), policyDir, "axios-http", source, judged);
    case "sdk-undici":
      return createSdkDownstream(registryUrl, policy(), policyDir, "undici", source, judged);
    case "haproxy-http":
    case "haproxy-tcp":
      return createPlainDownstream([process.env.SIDECAR_URL ?? ""], "axios");
    case "haproxy-http-undici":
      // The sidecar's client on undici: the same Agent (pool settings) as `direct-undici`, one origin (the sidecar).
      return createPlainDownstream([process.env.SIDECAR_URL ?? ""], "undici");
    default:
      throw new Error(`CLIENT_VARIANT must be one of ${ALL_VARIANTS.join(", ")}, got ${variant}`);
  }
}

/** The ports this client sends its calls to: the upstreams' traffic ports, or its sidecar's. */
function callPorts(): number[] {
  const urls = [...(process.env.UPSTREAM_URLS ?? "").split(","), process.env.SIDECAR_URL ?? ""];
  return urls.filter((u) => URL.canParse(u)).map((u) => Number(new URL(u).port));
}

const downstream = downstreamFromEnv();
const probe = new ClientProbe(callPorts());
const server = createServer((request, response) => {
  request.resume();
  void probe
    .track(() => downstream.call())
    .then(({ status, upstreamMs }) => {
      // The upstream's time travels on to the generator, which subtracts it (fleet/server-timing.ts).
      const timing = upstreamMs === undefined ? {} : { [SERVER_TIMING]: serverTiming(upstreamMs) };
      response.writeHead(status < 500 ? 200 : status, { "content-type": "text/plain", ...timing }).end();
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
  if (command.cmd === "diagnostics-reset") {
    probe.reset();
    return {};
  }
  if (command.cmd === "major-gcs") return { majorGcs: probe.majorGcsSinceStart, sinceMajorGcMs: probe.msSinceMajorGc };
  if (command.cmd === "warmed-up") return { majorGcs: probe.warmedUp() };
  if (command.cmd === "diagnostics") return { diagnostics: probe.read() };
  throw new Error(`unknown command ${String(command.cmd)}`);
});
