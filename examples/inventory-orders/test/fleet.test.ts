// The inventory/orders example as real processes: a registry, two inventory instances and orders, each started from
// this example's src/ as a user would run it, under steady load through orders (GET /order → lb://inventory/items).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet } from "./fleet.js";
import { type Running, stop } from "./processes.js";

const RENEW_MS = 1_000;
/** The parts of the example's `outrigger` section this test changes. */
interface OutriggerSection {
  registry: Record<string, unknown>;
  clients: { services: { inventory: { retry: { maxAttempts: number }; rule: unknown; rateLimit: unknown } } };
}
const example = (service: string) =>
  JSON.parse(readFileSync(new URL(`../config/${service}/default.json`, import.meta.url), "utf8"));

/** A ConfigMap-style directory (`..data` swaps, as kubelet writes) holding `service`'s config for this fleet. */
function configMap(service: string, registryUrl: string, change?: (outrigger: OutriggerSection) => void): string {
  const dir = mkdtempSync(join(tmpdir(), `${service}-config-`));
  writeConfig(dir, service, registryUrl, change);
  return dir;
}
function writeConfig(
  dir: string,
  service: string,
  registryUrl: string,
  change?: (outrigger: OutriggerSection) => void,
) {
  const config = example(service);
  config.outrigger.registry = { ...config.outrigger.registry, url: `${registryUrl}/eureka`, renewIntervalMs: RENEW_MS };
  change?.(config.outrigger);
  writeAtomically(dir, { "default.json": JSON.stringify(config) });
}

/** The ports of the inventory instances the registry lists now (none when it cannot be reached). */
async function listedPorts(registryUrl: string): Promise<number[]> {
  const response = await fetch(`${registryUrl}/eureka/apps/INVENTORY`, { headers: { accept: "application/json" } });
  if (response.status !== 200) return [];
  const body = (await response.json()) as { application: { instance: { port: { $: number } }[] } };
  return body.application.instance.map((i) => Number(i.port.$));
}

/** Resolves when the registry lists every one of `ports`; with how long it took (ms). */
async function listed(registryUrl: string, ports: readonly number[], timeoutMs = 15_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const now = await listedPorts(registryUrl).catch((): number[] => []);
    if (ports.every((p) => now.includes(p))) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`registry lists ${now}, not all of ${ports}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function metric(admin: string, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("inventory/orders example, real processes", () => {
  // Registered means callers see it: they watch the registry, so within milliseconds.
  const fleet = new Fleet({ configDir: (service, url) => configMap(service, url), listed });
  const { registry, inventory } = fleet;
  const startInventory = () => fleet.startInventory();

  beforeAll(() => fleet.start(), 60_000);
  afterAll(() => fleet.stop());

  it("kill -9 of an inventory instance under steady load: 0 failed GETs", async () => {
    const before = { ...fleet.load.counts };
    const victim = inventory[0] as Running;
    await stop(victim, "SIGKILL");
    await fleet.load.answers(300);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
    await startInventory(); // two live ones again for the next step (the dead one stays listed until its lease ends)
  });

  it("SIGTERM of an inventory instance under load: drains, 0 failed calls, exits on its own", async () => {
    const before = { ...fleet.load.counts };
    const victim = inventory[1] as Running;
    console.error("SIGTERM at", Date.now());
    const exit = await stop(victim, "SIGTERM");
    console.error("exited at", Date.now());
    expect(exit.signal ?? exit.code).toBe("SIGTERM"); // ended as the signal would have, after the drain
    await fleet.load.answers(200);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
    await startInventory();
  });

  it("a ConfigMap swap changing retries, rule and rate limit under load is applied with 0 failed calls", async () => {
    const before = { ...fleet.load.counts };
    const applied = (await metric(fleet.orders.admin, 'outrigger_policy_updates_total{outcome="applied"}')) ?? 0;
    writeConfig(fleet.ordersDir, "orders", registry.url, (og) => {
      const policy = og.clients.services.inventory;
      policy.retry.maxAttempts = 4;
      policy.rule = { name: "p2c-peak-ewma" };
      policy.rateLimit = { points: 50_000, durationMs: 1_000 };
    });
    await expect
      .poll(() => metric(fleet.orders.admin, 'outrigger_policy_updates_total{outcome="applied"}'), { timeout: 10_000 })
      .toBe(applied + 1);
    await fleet.load.answers(200);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
  });

  it("an invalid swap is refused, the old policy kept, the refusal on /metrics; 0 failed calls", async () => {
    const before = { ...fleet.load.counts };
    writeConfig(fleet.ordersDir, "orders", registry.url, (og) => {
      og.clients.services.inventory.retry.maxAttempts = 0;
    });
    await expect
      .poll(() => metric(fleet.orders.admin, 'outrigger_policy_updates_total{outcome="refused"}'), { timeout: 10_000 })
      .toBe(1);
    expect(await metric(fleet.orders.admin, "outrigger_policy_last_update_ok")).toBe(0);
    expect(await metric(fleet.orders.admin, "outrigger_config_last_reload_successful")).toBe(0);
    await fleet.load.answers(200);
    expect(fleet.load.counts.failed - before.failed, fleet.load.counts.firstFailure).toBe(0);
  });

  it("registry restarted: every instance registers again within one heartbeat", async () => {
    await registry.kill();
    await registry.start(); // same port, empty
    const live = inventory.filter((r) => r.child.exitCode === null && r.child.signalCode === null).map((r) => r.port);
    expect(live).toHaveLength(2);
    const took = await listed(registry.url, live, 10_000);
    // One heartbeat: the renew interval with its ±10% jitter, plus the 404 → register round trip.
    expect(took).toBeLessThan(RENEW_MS * 1.1 + 500);
  });
});
