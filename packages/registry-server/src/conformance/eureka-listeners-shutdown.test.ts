// Rules: Netflix/eureka eureka-core/.../registry/AbstractInstanceRegistry.java — register/cancel complete and
// invalidate the response cache whatever a listener does (the registry's write is the source of truth);
// hashicorp/consul agent/consul/rpc.go blockingQuery — a blocking query waits on a context made from the server's
// shutdownCh, so shutting down returns every held query at once instead of waiting them out.
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { watchUntil } from "../e2e/watch-until.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";
import { registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("a throwing Registry.onChange subscriber never breaks a write", () => {
  it("the write succeeds and later subscribers (cache, event log, watches) still run", async () => {
    const failures: unknown[] = [];
    const registry = new Registry({ onListenerError: (error) => failures.push(error) });
    // Subscribed before the app's own listeners (event log, watches), so they come after it.
    registry.onChange(() => {
      throw new Error("faulty plugin");
    });
    const app = buildApp({ registry });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    const res = await fetch(`${url}/eureka/apps/SAFE`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(registration("s-1", { app: "SAFE" })),
    });
    expect(res.status).toBe(204);
    expect((await watchUntil(url, "SAFE", (list) => list.length === 1))[0]?.instanceId).toBe("s-1");
    const events = (await (await fetch(`${url}/outrigger/dashboard`)).json()) as { events?: { instanceId: string }[] };
    expect(events.events?.[0]?.instanceId).toBe("s-1");
    expect(failures).toHaveLength(1);
  });
});

describe("SIGTERM answers held long polls at once (real registry process)", () => {
  it("a held watch and a held Consul blocking query are answered and the process exits in under a second", async () => {
    const registry = await start();
    // Held at the current index (a lone registry's carries its run tag, see RunIndex: not 0 on a fresh one).
    const watchIndex = (await fetch(`${registry.url}/outrigger/watch/apps/NONE`)).headers.get("x-outrigger-index");
    const watch = fetch(`${registry.url}/outrigger/watch/apps/NONE?index=${watchIndex}&wait=30s`);
    const consulIndex = (await fetch(`${registry.url}/v1/health/service/none`)).headers.get("x-consul-index");
    const blocking = fetch(`${registry.url}/v1/health/service/none?index=${consulIndex}&wait=30s`);
    // Both are held: a request sent after them is answered while they are not.
    const held = await Promise.race([
      Promise.all([watch, blocking]).then(() => "answered"),
      fetch(`${registry.url}/eureka/status`).then(() => "held"),
    ]);
    expect(held).toBe("held");
    const sent = Date.now();
    const exited = once(registry.child, "exit");
    registry.child.kill("SIGTERM");
    const [watched, blocked] = await Promise.all([watch, blocking]);
    expect(watched.status).toBe(200);
    expect(blocked.status).toBe(200);
    await exited;
    expect(Date.now() - sent).toBeLessThan(1_000);
  });
});
