// The SDK's ACK/NACK rides on its next watch request, as an xDS client ACKs or NACKs on its next DiscoveryRequest
// (envoy/service/discovery/v3/discovery.proto: `version_info`, `response_nonce`, and `error_detail` on a NACK, the
// previous version staying in force), so a push costs one HTTP exchange instead of two. Real processes: a registry
// (registry-server's CLI), instances v1 and v2 of "backend", and a client process (fleet.fixture.ts). The registry's
// status view (`GET /outrigger/policy/reports`) must read as it did with the separate POST, and the registry's own
// request metrics show that no POST was made.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Fleet, SUBSETS, split, startFleet } from "./fleet.fixture.js";

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet(["v1", "v2"]);
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 30_000);

interface Report {
  readonly process: string;
  readonly revision: number;
  readonly status: string;
  readonly reason?: string;
}
const reports = async () => ((await fleet.policy("GET", "/reports")) as unknown as { reports: Report[] }).reports;
/** `POST /outrigger/policy/reports` requests the registry answered, from its Prometheus metrics. */
async function reportPosts(): Promise<number> {
  const text = await (await fetch(`${fleet.registry.url}/metrics`)).text();
  const line = /^outrigger_registry_http_request_duration_seconds_count\{(.*)\} (\d+)$/gm;
  let total = 0;
  for (const [, labels, count] of text.matchAll(line)) {
    if (labels?.includes('method="POST"') && labels.includes('route="/outrigger/policy/reports"')) {
      total += Number(count);
    }
  }
  return total;
}

it("an ACK carried on the next watch request shows in the registry's status view, with no separate report", async () => {
  const applied = await fleet.push(split(5));
  const revision = applied.revision as number;
  await expect
    .poll(reports, { timeout: 10_000 })
    .toContainEqual(expect.objectContaining({ revision, status: "ACK", process: expect.stringMatching(/^client-/) }));
  expect(await reportPosts()).toBe(0);
}, 60_000);

it("a NACK carried the same way shows its reason, and the previous revision keeps serving", async () => {
  const previous = (await fleet.push(split(0))).revision as number;
  const unapplicable = split(100);
  // The schema takes any rule setting; building the rule refuses one it does not have (LB_INVALID_OPTION).
  unapplicable.destination.subsets = [
    { ...SUBSETS[0], trafficPolicy: { rule: { name: "round-robin", choiceCount: 2 } } },
    ...SUBSETS.slice(1),
  ];
  const nack = await fleet.push(unapplicable, "NACK");
  expect(nack.revision).toBe(previous + 1);
  await expect.poll(reports, { timeout: 10_000 }).toContainEqual(
    expect.objectContaining({
      revision: previous + 1,
      status: "NACK",
      reason: expect.stringContaining("choiceCount"),
    }),
  );
  expect(await reportPosts()).toBe(0);
  // Still the previous revision (all to v1), not the refused one (all to v2).
  expect((await fleet.client.run(50)).seen).toEqual({ v1: 50 });
}, 60_000);
