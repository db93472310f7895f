// The watch answer's policy part (registry-server's routes/watch.ts: `{"application", "policy": record | null}`)
// surfaced by the instancer, and the ACK/NACK report route (policy/reports.ts), as an xDS client's
// DiscoveryRequest carries version_info / error_detail back (envoy/service/discovery/v3/discovery.proto).
import type { PolicyUpdate } from "@outrigger/policy";
import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

it("surfaces each new policy revision of its service, checked, and reports ACK/NACK to the registry", async () => {
  const instancer = new RegistryWatchInstancer({ registryUrl: `${server.url}/eureka`, service: "orders" });
  const updates: PolicyUpdate[] = [];
  const next = () => new Promise<PolicyUpdate>((resolve) => instancer.onPolicy(resolve));
  instancer.onPolicy((update) => updates.push(update));
  expect(await next()).toEqual({ service: "ORDERS", revision: 0, policy: null });
  const policy = { destination: { retry: { maxAttempts: 2 } }, routes: [{ route: [{}] }] };
  const arrived = next();
  await fetch(`${server.url}/outrigger/policy/services/orders`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(policy),
  });
  expect(await arrived).toEqual({ service: "ORDERS", revision: 1, policy });
  expect(instancer.policy()).toEqual({ service: "ORDERS", revision: 1, policy });
  await instancer.reportPolicy({ process: "p-1", revision: 1, status: "NACK", reason: "routes[0]: not for me" });
  const reports = (await (await fetch(`${server.url}/outrigger/policy/reports`)).json()) as { reports: unknown[] };
  expect(reports.reports).toEqual([
    expect.objectContaining({
      service: "ORDERS",
      process: "p-1",
      revision: 1,
      status: "NACK",
      reason: "routes[0]: not for me",
    }),
  ]);
  expect(updates.map((u) => u.revision)).toEqual([0, 1]); // once per revision, not once per watch answer
  instancer.close();
});
