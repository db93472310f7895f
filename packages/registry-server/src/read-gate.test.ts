// Eureka's shouldAllowAccess (Netflix/eureka PeerAwareInstanceRegistryImpl): no read while the start-up copy from the
// peers runs, nor for waitTimeInMsWhenSyncEmpty after a start that copied nothing; the process-level replays of
// Netflix/eureka#1490 and spring-cloud/spring-cloud-netflix#380 are in e2e/restart-reads.test.ts.
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { parseCliOptions } from "./cli-options.js";
import { ReadGate } from "./read-gate.js";
import { Registry } from "./registry.js";
import { startServer } from "./server.js";
import { fakeClock, registration } from "./test-fixtures.js";

function gated(token?: string) {
  const clock = fakeClock();
  const registry = new Registry({ clock });
  const gate = new ReadGate(clock);
  const app = buildApp({ registry, readGate: gate, ...(token ? { token } : {}) });
  return { clock, gate, app };
}

const READS = [
  "/eureka/apps",
  "/eureka/apps/",
  "/eureka/apps?regions=x",
  "/eureka/apps/delta",
  "/eureka/apps/HELLO",
  "/eureka/v2/apps",
  "/eureka/vips/hello",
  "/eureka/svips/hello",
];

describe("the read gate: Eureka's and Consul's own refusals while the registry fills", () => {
  it("while the sync from peers runs: Eureka reads 403 with no body, Consul reads 500 No cluster leader", async () => {
    const { gate, app } = gated();
    gate.syncing();
    for (const url of READS) {
      const answer = await app.inject({ method: "GET", url, headers: { accept: "application/json" } });
      expect([url, answer.statusCode, answer.body]).toEqual([url, 403, ""]);
    }
    expect((await app.inject({ method: "HEAD", url: "/eureka/apps" })).statusCode).toBe(403);
    for (const url of ["/v1/catalog/services", "/v1/health/service/hello?passing", "/v1/catalog/service/hello"]) {
      const answer = await app.inject({ method: "GET", url });
      expect([url, answer.statusCode, answer.body]).toEqual([url, 500, "No cluster leader"]);
    }
    // One instance is served, as by Eureka's InstanceResource and InstancesResource (here: not registered, 404).
    expect((await app.inject({ method: "GET", url: "/eureka/apps/HELLO/a" })).statusCode).toBe(404);
    expect((await app.inject({ method: "GET", url: "/eureka/instances/a" })).statusCode).toBe(404);
    // Matched on the route: a percent-encoded path reaches the same route and the same refusal.
    expect((await app.inject({ method: "GET", url: "/eureka/%61pps" })).statusCode).toBe(403);
    // The SDK's own read, the watch: a 503 its instancer retries with backoff, keeping its instances.
    const watch = await app.inject({ method: "GET", url: "/outrigger/watch/apps/HELLO?index=0" });
    expect([watch.statusCode, watch.json().code]).toEqual([503, "REGISTRY_NOT_READY"]);
    await app.close();
  });

  it("serves what fills the registry meanwhile: registrations, renewals, the agent's own endpoints, the status", async () => {
    const { gate, app } = gated();
    gate.syncing();
    expect(
      (await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") })).statusCode,
    ).toBe(204);
    expect((await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/v1/agent/services" })).statusCode).toBe(200);
    const status = await app.inject({ method: "GET", url: "/eureka/status" });
    expect([status.statusCode, status.json().reads]).toEqual([200, { open: false, reason: "syncing" }]);
    gate.synced(1, 40_000);
    expect((await app.inject({ method: "GET", url: "/eureka/apps/HELLO" })).statusCode).toBe(200);
    await app.close();
  });

  it("after a start that copied nothing: refused for waitTimeInMsWhenSyncEmpty, then open (fake clock)", async () => {
    const { clock, gate, app } = gated();
    gate.syncing();
    gate.synced(0, 40_000);
    const until = clock.now() + 40_000;
    expect(gate.state()).toEqual({ open: false, reason: "sync-empty", untilMs: until });
    expect((await app.inject({ method: "GET", url: "/eureka/apps" })).statusCode).toBe(403);
    clock.advance(39_999);
    expect((await app.inject({ method: "GET", url: "/eureka/apps" })).statusCode).toBe(403);
    clock.advance(1);
    expect(gate.state()).toEqual({ open: true });
    expect((await app.inject({ method: "GET", url: "/eureka/apps" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/v1/catalog/services" })).statusCode).toBe(200);
    await app.close();
  });

  it("opens at once after a sync that copied instances, or with a wait of 0 (the default)", () => {
    const clock = fakeClock();
    const copied = new ReadGate(clock);
    copied.syncing();
    copied.synced(3, 40_000);
    expect(copied.state()).toEqual({ open: true });
    const noWait = new ReadGate(clock);
    noWait.synced(0, 0);
    expect(noWait.state()).toEqual({ open: true });
  });

  it("checks the token first: a read without one is still a 401, not the gate's 403", async () => {
    const { gate, app } = gated("s3cret");
    gate.syncing();
    expect((await app.inject({ method: "GET", url: "/eureka/apps" })).statusCode).toBe(401);
    const bearer = { authorization: "Bearer s3cret" };
    expect((await app.inject({ method: "GET", url: "/eureka/apps", headers: bearer })).statusCode).toBe(403);
    await app.close();
  });
});

describe("waitTimeInMsWhenSyncEmpty, the option", () => {
  it("is --wait-when-sync-empty in seconds, or its environment variable", () => {
    const flag = parseCliOptions(["--wait-when-sync-empty", "40"], {});
    const env = parseCliOptions([], { OUTRIGGER_REGISTRY_WAIT_WHEN_SYNC_EMPTY: "300" });
    expect([flag, env].map((p) => (p.help ? undefined : p.options.waitTimeInMsWhenSyncEmpty))).toEqual([
      40_000, 300_000,
    ]);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("refuses %s with REGISTRY_INVALID_OPTION", async (wait) => {
    await expect(startServer({ port: 0, waitTimeInMsWhenSyncEmpty: wait })).rejects.toMatchObject({
      code: "REGISTRY_INVALID_OPTION",
      message: expect.stringContaining("waitTimeInMsWhenSyncEmpty"),
    });
  });

  it("a lone server started with it refuses reads, and serves them at once without it", async () => {
    const waiting = await startServer({ port: 0, waitTimeInMsWhenSyncEmpty: 60_000 });
    const plain = await startServer({ port: 0 });
    try {
      expect((await fetch(`${waiting.url}/eureka/apps`)).status).toBe(403);
      expect((await fetch(`${plain.url}/eureka/apps`)).status).toBe(200);
    } finally {
      await Promise.all([waiting.close(), plain.close()]);
    }
  });
});

describe("the read gate on the hot path", () => {
  it("reads no clock once the copy has ended and its wait is over, and closes again for a new copy", () => {
    let t = 0;
    let reads = 0;
    const gate = new ReadGate({
      now: () => {
        reads += 1;
        return t;
      },
    });
    gate.syncing();
    gate.synced(0, 1_000);
    expect(gate.open).toBe(false);
    t = 1_000;
    expect(gate.open).toBe(true);
    const before = reads;
    for (let i = 0; i < 100; i++) expect(gate.open).toBe(true);
    expect(reads).toBe(before);
    gate.syncing();
    expect(gate.open).toBe(false);
    // A copy that ends again, empty, holds reads again (the gate is exported: an app may sync more than once).
    gate.synced(5, 1_000);
    expect(gate.open).toBe(true);
    gate.synced(0, 1_000);
    expect([gate.open, gate.state().open]).toEqual([false, false]);
  });
});
