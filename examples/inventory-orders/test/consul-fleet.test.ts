// The inventory/orders example on Consul (`registry.kind: "consul"`): the registry process serves Consul's agent
// and health API, which the same example services use instead of Eureka's, only by config. Real processes, steady
// load through orders (GET /order → lb://inventory/items), as fleet.test.ts does on Eureka.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Load, steadyLoad } from "./load.js";
import { RegistryProcess, type Running, startService, stop } from "./processes.js";

/** `service`'s example config, pointed at Consul's API on `agentUrl` (TTL check passed every second). */
function consulConfig(service: "inventory" | "orders", agentUrl: string): string {
  const config = JSON.parse(readFileSync(new URL(`../config/${service}/default.json`, import.meta.url), "utf8"));
  config.outrigger.registry = { kind: "consul", url: agentUrl, renewIntervalMs: 1_000 };
  const dir = mkdtempSync(join(tmpdir(), `${service}-consul-`));
  writeAtomically(dir, { "default.json": JSON.stringify(config) });
  return dir;
}

/** The inventory ports Consul's health API lists (hashicorp/consul: /v1/health/service/:service), passing only or all. */
async function consulPorts(agentUrl: string, onlyPassing: boolean): Promise<number[]> {
  const url = `${agentUrl}/v1/health/service/inventory${onlyPassing ? "?passing" : ""}`;
  const entries = (await (await fetch(url)).json()) as { Service: { Port: number } }[];
  return entries.map((e) => e.Service.Port);
}

/** Resolves once each of `ports` is listed as passing (its first TTL pass arrived). */
async function passing(agentUrl: string, ports: readonly number[], timeoutMs = 15_000): Promise<void> {
  const start = performance.now();
  for (;;) {
    const now = await consulPorts(agentUrl, true).catch((): number[] => []);
    if (ports.every((p) => now.includes(p))) return;
    if (performance.now() - start > timeoutMs) throw new Error(`Consul lists ${now} passing, not all of ${ports}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("inventory/orders on Consul, real processes", () => {
  const registry = new RegistryProcess();
  const dirs: string[] = [];
  const inventory: Running[] = [];
  let orders: Running | undefined;
  let load: Load;

  const startInventory = async () => {
    const dir = consulConfig("inventory", registry.url);
    dirs.push(dir);
    const running = await startService("inventory", dir);
    inventory.push(running);
    await passing(registry.url, [running.port]);
    return running;
  };

  beforeAll(async () => {
    await registry.start();
    await Promise.all([startInventory(), startInventory()]);
    const dir = consulConfig("orders", registry.url);
    dirs.push(dir);
    orders = await startService("orders", dir);
    load = steadyLoad(`http://127.0.0.1:${orders.port}/order`);
    await load.answers(50);
  }, 60_000);

  afterAll(async () => {
    await load?.stop();
    await Promise.all([...inventory, ...(orders ? [orders] : [])].map((r) => stop(r, "SIGKILL")));
    await registry.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("kill -9 of an inventory instance under steady load: 0 failed GETs", async () => {
    const before = { ...load.counts };
    await stop(inventory[0] as Running, "SIGKILL");
    await load.answers(300);
    expect(load.counts.failed - before.failed, load.counts.firstFailure).toBe(0);
    await startInventory();
  });

  it("SIGTERM of an inventory instance under load: drains, 0 failed calls, exits on its own", async () => {
    const before = { ...load.counts };
    const victim = inventory[1] as Running;
    const exit = await stop(victim, "SIGTERM");
    expect(exit.signal ?? exit.code).toBe("SIGTERM"); // ended as the signal would have, after the drain
    await load.answers(200);
    expect(load.counts.failed - before.failed, load.counts.firstFailure).toBe(0);
    expect(await consulPorts(registry.url, false)).not.toContain(victim.port); // deregistered during the drain
  });
});
