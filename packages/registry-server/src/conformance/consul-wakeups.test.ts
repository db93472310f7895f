import { afterEach, describe, expect, it } from "vitest";
import { type ConsulFixture, registerEureka, startConsulFixture, WatchEvents } from "./consul-fixture.js";

/*
 * Rule (hashicorp/consul agent/blockingquery/blockingquery.go, `Query`, rules 2 and 3 of its query function): the
 * index must move, and held queries must wake, whenever what the query would return changes. A Eureka lease
 * passing its end changes `/v1/health/service` (the instance's check turns critical, so it leaves `?passing`)
 * whether or not eviction or self-preservation removed it; a check changing and a registration on either
 * protocol change it too. Replays issue 14 item 5: on main a held `?passing&index=N&wait=6s` holds the full 6 s
 * and answers the same index with 0 entries, so `consul.watch` never sees the instance go.
 */

interface Entry {
  Service: { ID: string };
  Checks: { CheckID: string; Status: string }[];
}

const serviceIds = (body: string): string[] => (JSON.parse(body) as Entry[]).map((e) => e.Service.ID);

describe("conformance: blocking queries wake when their answer changes (agent/blockingquery/blockingquery.go)", () => {
  let fixture: ConsulFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it("a Eureka lease of 2 s that is not renewed wakes ?passing&index=N&wait=6s at its end, eviction or not", async () => {
    // Eviction every hour: the lease's end alone must move the index.
    fixture = await startConsulFixture(["--eviction-interval", "3600"]);
    const f = fixture;
    expect(await registerEureka(f.url, "LEASED", "leased-1", 2)).toBe(204);
    const now = await f.request("/v1/health/service/leased?passing");
    expect(serviceIds(now.body)).toEqual(["leased-1"]);
    const held = await f.request(`/v1/health/service/leased?passing&index=${now.index}&wait=6s`);
    expect(held.status).toBe(200);
    expect(held.index).toBeGreaterThan(now.index);
    expect(held.ms).toBeLessThan(4_500); // the lease ends 2 s after registering; the wait is 6 s
    expect(serviceIds(held.body)).toEqual([]);
    // Still registered (not evicted): without ?passing it is there, critical.
    const all = JSON.parse((await f.request("/v1/health/service/leased")).body) as Entry[];
    expect(all.map((e) => e.Checks.find((c) => c.CheckID === "service:leased-1")?.Status)).toEqual(["critical"]);
    // A renewal brings it back, and that moves the index again.
    const renewed = f.request(`/v1/health/service/leased?passing&index=${held.index}&wait=6s`);
    expect((await fetch(`${f.url}/eureka/apps/LEASED/leased-1`, { method: "PUT" })).status).toBe(200);
    const back = await renewed;
    expect([back.index > held.index, serviceIds(back.body), back.ms < 4_500]).toEqual([true, ["leased-1"], true]);
  });

  it("consul.watch sees the unrenewed instance go, then sees a check change and registrations on both protocols", async () => {
    fixture = await startConsulFixture(["--eviction-interval", "3600"]);
    const { consul, url } = fixture;
    await registerEureka(url, "MIXED", "eureka-1", 2);
    const watch = consul.watch({
      method: consul.health.service,
      options: { service: "mixed", passing: "true", wait: "6s" },
    });
    const events = new WatchEvents<Entry[]>(watch);
    const ids = (entries: Entry[]) => entries.map((e) => e.Service.ID).sort();
    try {
      await events.next((entries) => ids(entries).includes("eureka-1"));
      await events.next((entries) => !ids(entries).includes("eureka-1")); // lease ended, nobody evicted it
      await consul.agent.service.register({ name: "mixed", id: "consul-1", port: 1, check: { ttl: "60s" } } as never);
      await consul.agent.check.pass("service:consul-1"); // a check changing: critical → passing
      await events.next((entries) => ids(entries).includes("consul-1"));
      await registerEureka(url, "MIXED", "eureka-2");
      await events.next((entries) => ids(entries).join() === "consul-1,eureka-2");
      await consul.agent.check.fail("service:consul-1");
      await events.next((entries) => ids(entries).join() === "eureka-2");
      expect(events.errors).toEqual([]);
    } finally {
      watch.end();
    }
  });
});
