import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { afterEach, describe, expect, it } from "vitest";
import type { OutriggerNodeError } from "./errors.js";
import { createOutrigger, type Outrigger } from "./outrigger.js";

const write = (dir: string, inventory: Record<string, unknown>) =>
  writeAtomically(dir, {
    "default.json": JSON.stringify({
      app: { name: "kept as is" },
      outrigger: { registry: { enabled: false }, shutdown: { signals: [] }, clients: { services: { inventory } } },
    }),
  });

async function metricValue(
  og: Outrigger,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = await og.metrics.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe("per-service policy from a live config directory", () => {
  let dir = "";
  let og: Outrigger | undefined;
  afterEach(async () => {
    await og?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a ConfigMap swap applies; an invalid one is refused with its path, the last good kept, counted and reported", async () => {
    dir = mkdtempSync(join(tmpdir(), "og-live-"));
    write(dir, { retry: { maxAttempts: 2 } });
    const refused: OutriggerNodeError[] = [];
    og = await createOutrigger({ service: "orders", port: 0, config: dir, logger: { warn: () => {} } });
    og.onError((error) => refused.push(error));
    const policy = () => og?.config().clients.services.inventory;
    expect(policy()?.retry?.maxAttempts).toBe(2);

    write(dir, { retry: { maxAttempts: 4 }, rule: { name: "p2c-peak-ewma" } });
    await expect.poll(() => policy()?.retry?.maxAttempts, { timeout: 5_000 }).toBe(4);
    expect(await metricValue(og, "outrigger_policy_updates_total", { outcome: "applied" })).toBe(1);

    write(dir, { retry: { maxAttempts: 0 }, rule: { name: "round-robin" } });
    await expect.poll(() => refused.length, { timeout: 5_000 }).toBe(1);
    expect(refused[0]?.code).toBe("OUTRIGGER_CONFIG_INVALID");
    expect(refused[0]?.path).toBe("outrigger.clients.services.inventory.retry.maxAttempts");
    expect(policy()).toEqual({ retry: { maxAttempts: 4 }, rule: { name: "p2c-peak-ewma" } }); // the last good, whole
    expect(await metricValue(og, "outrigger_policy_updates_total", { outcome: "refused" })).toBe(1);
    expect(await metricValue(og, "outrigger_policy_last_update_ok")).toBe(0);
    expect(await metricValue(og, "outrigger_config_last_reload_successful")).toBe(0);
  });

  // Newcomer report: `attempts` for `maxAttempts` was reported as the missing `maxAttempts` "(and 1 more)", a
  // breaker without `halfOpenAfterMs` as a bare "Invalid input", and every refusal said twice the last good stays.
  it.each([
    [{ retry: { attempts: 2 } }, "outrigger.clients.services.inventory.retry", /Unrecognized key.*attempts/],
    [
      { circuitBreaker: { kind: "consecutive", threshold: 5 } },
      "outrigger.clients.services.inventory.circuitBreaker.halfOpenAfterMs",
      /expected number/,
    ],
  ])("a refused update %j names the real mistake once", async (bad, path, reason) => {
    dir = mkdtempSync(join(tmpdir(), "og-live-"));
    write(dir, { retry: { maxAttempts: 2 } });
    const refused: OutriggerNodeError[] = [];
    og = await createOutrigger({ service: "orders", port: 0, config: dir, logger: { warn: () => {} } });
    og.onError((error) => refused.push(error));
    write(dir, bad);
    await expect.poll(() => refused.length, { timeout: 5_000 }).toBe(1);
    expect(refused[0]?.path).toBe(path);
    expect(refused[0]?.message).toMatch(reason);
    expect(refused[0]?.message.match(/last good/g)).toHaveLength(1);
  });
});
