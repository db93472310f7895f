import { describe, expect, it } from "vitest";
import { type ConsulFixture, consulFixturesPerTest } from "./consul-fixture.js";

/*
 * Field reports of Consul blocking queries, replayed against a real registry process over real HTTP.
 * Rules: hashicorp/consul agent/blockingquery/blockingquery.go (`Query`: a query holds while the index is the
 * client's and answers once it moves), agent/http.go `parseWait` (no `wait` means Consul's default hold, not none),
 * and the "implementation details" of Consul's blocking-query docs (hashicorp/consul#5358): an index is never 0,
 * and a client resets when an index goes backwards — which a client can only do if the server never hands out, after
 * a restart, the very number it held before.
 */

interface Entry {
  Service: { ID: string };
}

const ids = (body: string): string[] => (JSON.parse(body) as Entry[]).map((e) => e.Service.ID).sort();

describe("Consul blocking-query field cases (real registry process)", () => {
  const { start } = consulFixturesPerTest();
  const put = (f: ConsulFixture, path: string, body?: unknown) =>
    f.request(path, { method: "PUT", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it("an index held from before a restart answers at once with the new state (hashicorp/consul#2621)", async () => {
    // hashicorp/consul#2621: a watch on a -dev agent (whose index restarts with it) missed every change after the
    // agent restarted. A client keeps its last index across a restart (the consul npm client's watch retries with
    // it); if the new run reaches the same number with other data, the client is held on data it never saw, and
    // Consul's own watch (api/watch/plan.go: "If the index is unchanged do nothing") never reports it.
    const first = await start();
    expect((await put(first, "/v1/agent/service/register", { Name: "web", ID: "web-a", Port: 1 })).status).toBe(200);
    const before = await first.request("/v1/health/service/web");
    expect(ids(before.body)).toEqual(["web-a"]);
    await first.registry.stop(); // the new run keeps nothing
    const second = await start();
    // A fresh run's index is below every index of the run before it: clients start over (Consul's docs), and
    // Outrigger's ConsulInstancer takes it as a restart (its restart grace).
    expect((await second.request("/v1/health/service/web")).index).toBeLessThan(before.index);
    // The same number of writes brings the new run to the same count of changes: on main, the same index, so the
    // query below was held for the whole wait and answered that index, and a watch never reported web-b.
    expect((await put(second, "/v1/agent/service/register", { Name: "web", ID: "web-b", Port: 2 })).status).toBe(200);
    const after = await second.request(`/v1/health/service/web?index=${before.index}&wait=3s`);
    expect(ids(after.body)).toEqual(["web-b"]);
    expect(after.index).not.toBe(before.index); // a client comparing indexes sees the change
    expect(after.ms).toBeLessThan(1_500); // answered, not held for the 3 s wait
  });

  it("X-Consul-Index is never 0, and a query at a fresh index holds (hashicorp/consul#4421, silas/node-consul#134)", async () => {
    // hashicorp/consul#4437 (for #4421): answers with index 0 sent blocking clients into a busy loop; the docs now
    // tell clients to clamp at 1, and silas/node-consul#134 made the npm client refuse a 0.
    const f = await start();
    const routes = [
      "/v1/health/service/never-registered",
      "/v1/health/checks/never-registered",
      "/v1/health/state/any",
      "/v1/catalog/services",
      "/v1/catalog/service/never-registered",
      "/v1/catalog/nodes",
      "/v1/agent/services",
      "/v1/agent/self",
      "/v1/kv/refused", // 501: still an index
      "/v1/no/such/endpoint", // 404: still an index
    ];
    for (const route of routes) {
      const answer = await f.request(route);
      expect({ route, index: answer.index >= 1 }).toEqual({ route, index: true });
    }
    const fresh = await f.request("/v1/health/service/never-registered");
    // Repeated parameters count by their first value, as Go's url.Values.Get reads them in Consul's parseWait.
    const query = `index=${fresh.index}&index=7&wait=400ms&wait=1h`;
    const held = await f.request(`/v1/health/service/never-registered?${query}`);
    expect([held.status, held.index, held.ms >= 350, held.ms < 5_000]).toEqual([200, fresh.index, true, true]);
  });

  it("a watch on a service that does not exist yet holds through other services' writes and wakes on its first instance (hashicorp/consul#4810)", async () => {
    // hashicorp/consul#4810: a query on a missing service woke on every write to any service, so on a busy
    // cluster it never blocked. Here a service has its own index, also before it exists.
    const f = await start();
    const none = await f.request("/v1/health/service/ghost");
    expect(ids(none.body)).toEqual([]);
    // No `wait`: Consul's default hold (5 min), not an immediate answer (agent/http.go parseWait).
    const held = f.request(`/v1/health/service/ghost?index=${none.index}`);
    expect((await put(f, "/v1/agent/service/register", { Name: "other", ID: "other-1", Port: 1 })).status).toBe(200);
    expect((await f.request("/v1/health/service/ghost")).index).toBe(none.index); // another service: no move
    expect((await put(f, "/v1/agent/service/register", { Name: "ghost", ID: "ghost-1", Port: 1 })).status).toBe(200);
    const answer = await held;
    expect(ids(answer.body)).toEqual(["ghost-1"]); // woken by its own first instance, not by "other"
    expect(answer.index).toBeGreaterThan(none.index);
    expect(answer.ms).toBeLessThan(5_000);
  });

  it("a deregistration while a query is held wakes it with the instance gone (hashicorp/consul#2814)", async () => {
    // hashicorp/consul#2814: a held /v1/health/service query sometimes did not return when the service changed.
    const f = await start();
    await put(f, "/v1/agent/service/register", { Name: "pay", ID: "pay-1", Port: 1 });
    await put(f, "/v1/agent/service/register", { Name: "pay", ID: "pay-2", Port: 2 });
    const now = await f.request("/v1/health/service/pay");
    expect(ids(now.body)).toEqual(["pay-1", "pay-2"]);
    const held = f.request(`/v1/health/service/pay?index=${now.index}&wait=30s`);
    expect((await put(f, "/v1/agent/service/deregister/pay-1")).status).toBe(200);
    const answer = await held;
    expect([ids(answer.body), answer.index > now.index, answer.ms < 5_000]).toEqual([["pay-2"], true, true]);
    // The last instance going wakes the next held query too, with an empty answer and an index still moving up.
    const last = f.request(`/v1/health/service/pay?index=${answer.index}&wait=30s`);
    expect((await put(f, "/v1/agent/service/deregister/pay-2")).status).toBe(200);
    const empty = await last;
    expect([ids(empty.body), empty.index > answer.index, empty.ms < 5_000]).toEqual([[], true, true]);
  });
});
