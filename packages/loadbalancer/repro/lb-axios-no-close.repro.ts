// Reproduction, not part of the suite (break-it, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/loadbalancer/repro/lb-axios-no-close.repro.ts
// createLbAxios({ instancer, transport: "undici" }) makes an lb dispatcher on its first request, which subscribes to
// each service's instancer; the axios instance it returns has no close(), so nothing ever lets go of that
// subscription, the dispatcher it holds (pools, per-try and deadline queues) or its sockets. A client made per
// request or per tenant (a newcomer's pattern) piles them up on a long-lived instancer.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { createLbAxios } from "../src/axios.js";
import { createBalancer } from "../src/balancer.js";
import { RoundRobinRule } from "../src/round-robin.js";
import { countedInstancer } from "../src/undici-field-fixture.js";

const server = createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
await once(server, "listening");
const port = (server.address() as AddressInfo).port;
const fixed = new FixedInstancer([
  { id: "i0", service: "svc", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} },
]);
const counted = countedInstancer(fixed);
const balancer = createBalancer({ instancer: fixed, rule: new RoundRobinRule({ random: () => 0 }) });
let sockets = 0;
server.on("connection", () => sockets++);
for (let i = 0; i < 50; i++) {
  const http = createLbAxios({ balancer: () => balancer, instancer: () => counted, transport: "undici" });
  await http.get("lb://svc/x");
  const close = (http as unknown as { close?: () => Promise<void> }).close;
  if (typeof close === "function") await close.call(http);
}
console.log(`instancer subscriptions still held by 50 clients used once each: ${counted.live()} (expected 0)`);
console.log(
  `connections opened: ${sockets}; close() on the axios instance: ${"close" in createLbAxios({ balancer: () => balancer })}`,
);
balancer.close();
server.closeAllConnections();
server.close();
process.exitCode = counted.live() === 0 ? 0 : 1;
