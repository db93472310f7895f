// The inventory/orders example on Consul (`registry.kind: "consul"`): the registry process serves Consul's agent
// and health API, which the same example services use instead of Eureka's, only by config. Real processes, steady
// load through orders (GET /order → lb://inventory/items), as fleet.test.ts does on Eureka.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet } from "./fleet.js";
import { type Running, stop } from "./processes.js";

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
  const fleet = new Fleet({ configDir: consulConfig, listed: passing });
  const { registry, inventory } = fleet;

  beforeAll(() => fleet.start(), 60_000);
  afterAll(() => fleet.stop());

  it("kill -9 of an inventory instance under steady load: 0 failed GETs", async () => {
    const before = { ...fleet.load.counts };
    await stop(inventory[0] as Running, "SIGKILL");
    await fleet.load.answers(300);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
    await fleet.startInventory();
  });

  it("SIGTERM of an inventory instance under load: drains, 0 failed calls, exits on its own", async () => {
    const before = { ...fleet.load.counts };
    const victim = inventory[1] as Running;
    const exit = await stop(victim, "SIGTERM");
    expect(exit.signal ?? exit.code).toBe("SIGTERM"); // ended as the signal would have, after the drain
    await fleet.load.answers(200);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
    expect(await consulPorts(registry.url, false)).not.toContain(victim.port); // deregistered during the drain
  });
});
