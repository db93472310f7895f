// Test fixture: known load-balanced calls for the metrics tests, against real loopback servers. Apart from
// otel.fixture.ts because it asserts with vitest, and child processes import otel.fixture.ts.
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createCircuitBreaker } from "@outrigger/resilience";
import { request } from "undici";
import { expect } from "vitest";
import { balancerOver, loopbackServers } from "./otel.fixture.js";

const firstFails = (_name: string, n: number) => ({ status: n === 1 ? 503 : 200 });
const ejectAfterOne = { consecutive5xx: 1, maxEjectionPercent: 100 };

/**
 * Known calls for the metrics tests: one retried call (503 then 200, the failing instance ejected) and one call
 * refused by an open breaker. Resolves with the ports that answered 503 (then refused the connection) and 200.
 */
export async function retriedAndRefused() {
  const fleet = await loopbackServers(["a", "b"], firstFails);
  const balancer = balancerOver([fleet.instance("a"), fleet.instance("b")], ejectAfterOne);
  const dispatcher = createLbDispatcher({ balancer: () => balancer });
  const answer = await request("http://svc/orders", { dispatcher });
  await answer.body.dump();
  // The instance that answered 503 is the one whose server goes away: its port carries both failures.
  const dead = fleet.instance(fleet.seen[0]?.name as string);
  await fleet.close();
  const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 60_000 });
  const broken = createLbDispatcher({ balancer: () => balancerOver([dead]), policy: breaker, retry: false });
  await expect(request("http://svc/x", { dispatcher: broken })).rejects.toThrow();
  await expect(request("http://svc/x", { dispatcher: broken })).rejects.toMatchObject({
    code: "RESILIENCE_CIRCUIT_OPEN",
  });
  await Promise.all([dispatcher.close(), broken.close()]);
  return { failedPort: fleet.ports[fleet.seen[0]?.name as string], okPort: fleet.ports[fleet.seen[1]?.name as string] };
}
