import { afterEach, describe, expect, it } from "vitest";
import { RUN_TAGS } from "../watch-index.js";
import { type ConsulFixture, registerEureka, startConsulFixture, WatchEvents } from "./consul-fixture.js";

/*
 * Rule (hashicorp/consul agent/blockingquery/blockingquery.go, `Query`): a blocking query returns as soon as its
 * answer's index is above the query's `index`, so the index of an answer that changed must be above every index
 * served before. The first registration must move a fresh registry's index, or a query held at it (a
 * `consul.watch` started before the first instance exists) never reports that instance.
 * Replays issue 20 item 1: on main, `X-Consul-Index` is 1 before and 1 after the first registration.
 */

interface Entry {
  Service: { ID: string };
}

/** Every blocking route, held at the index a fresh registry answers with, and what its answer then shows. */
const routes = (node: string): readonly (readonly [string, string])[] => [
  ["/v1/health/service/pay", '"ID":"pay-1"'],
  ["/v1/health/checks/pay", '"ServiceID":"pay-1"'],
  [`/v1/health/node/${node}`, '"ServiceID":"pay-1"'],
  ["/v1/health/state/any", '"ServiceID":"pay-1"'],
  ["/v1/catalog/service/pay", '"ServiceID":"pay-1"'],
  ["/v1/catalog/services", '"pay":[]'],
  // The node list does not change with a service; Consul may still wake it (an index may move spuriously).
  ["/v1/catalog/nodes", `"Node":${JSON.stringify(node)}`],
  [`/v1/catalog/node/${node}`, '"pay-1":{'],
  ["/outrigger/watch/apps/PAY", '"instanceId":"pay-1"'],
];

describe("conformance: the first write wakes every blocking query (agent/blockingquery/blockingquery.go)", () => {
  let fixture: ConsulFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it("answers every held route, and the Outrigger watch, long before their wait ends, with a higher index", async () => {
    fixture = await startConsulFixture();
    const f = fixture;
    const node = String(
      (JSON.parse((await f.request("/v1/agent/self")).body) as { Config: { NodeName: string } }).Config.NodeName,
    );
    const ROUTES = routes(node);
    // The Outrigger watch answers index -1 at once with its index (count 0 and the run's tag on a fresh registry);
    // Consul routes with one index ≥ 1 (count 1 and the same tag, see RunIndex), the same on every route before
    // anything changed.
    const before = await Promise.all(ROUTES.map(([route]) => f.request(`${route}?index=-1&wait=1s`)));
    const fresh = before[0]?.index ?? 0;
    expect(fresh).toBeGreaterThanOrEqual(1);
    expect(before.map((a) => a.index)).toEqual(
      ROUTES.map(([route]) => (route.startsWith("/v1") ? fresh : fresh - RUN_TAGS)),
    );
    const held = ROUTES.map(([route], i) => f.request(`${route}?index=${before[i]?.index}&wait=10s`));
    // The held queries are in flight (or answer at once if they arrive late); this is the registry's first write.
    await registerEureka(f.url, "PAY", "pay-1");
    const answers = await Promise.all(held);
    for (const [i, answer] of answers.entries()) {
      const [route, shows] = ROUTES[i] as readonly [string, string];
      expect({ route, status: answer.status, early: answer.ms < 5_000 }).toEqual({ route, status: 200, early: true });
      expect(answer.index, route).toBeGreaterThan(before[i]?.index ?? 0);
      expect(answer.body, route).toContain(shows);
    }
  });

  it("a consul.watch on health.service started on a fresh registry sees the first instance within 100 ms", async () => {
    fixture = await startConsulFixture();
    const { consul } = fixture;
    const watch = consul.watch({ method: consul.health.service, options: { service: "pay", wait: "10s" } });
    const events = new WatchEvents<Entry[]>(watch);
    try {
      await events.next((entries) => entries.length === 0); // the first answer: nothing yet, the fresh index
      // The watch's next request is held at that index, or arrives after the write and answers at once: on main both
      // hold the full wait, because the write leaves the index at 1.
      await consul.agent.service.register({ name: "pay", id: "pay-1", port: 7001 } as never);
      // Measured from the registration's acknowledgement, when the instance exists (the request's own time under a
      // loaded machine is not what this rule is about); the change may even arrive before the acknowledgement.
      const registered = performance.now();
      const seen = await events.next((entries) => entries.some((e) => e.Service.ID === "pay-1"));
      expect(seen.at - registered).toBeLessThan(100);
      expect(events.errors).toEqual([]);
    } finally {
      watch.end();
    }
  });
});
