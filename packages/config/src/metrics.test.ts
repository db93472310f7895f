import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { memoryLogger, mountPerTest, next } from "./live-config.fixture.js";
import { createLiveConfig, type LiveConfig } from "./live-config.js";
import { createConfigMetrics } from "./metrics.js";

const each = mountPerTest<LiveConfig<Record<string, unknown>>>({ "default.json": { retry: { maxAttempts: 3 } } });

/** The value of one sample in the registry's text exposition. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("createConfigMetrics", () => {
  it("reports applied and rejected reloads, errors by code and whether the newest reload took", async () => {
    const { mounted } = each;
    const live = createLiveConfig({ dir: mounted.dir, logger: memoryLogger(), debounceMs: 10, pollIntervalMs: 0 });
    each.live = live;
    const registry = new Registry();
    const metrics = createConfigMetrics({ registry, live });
    const startedAt = await sample(registry, "outrigger_config_last_reload_success_timestamp_seconds");
    expect(await sample(registry, "outrigger_config_last_reload_successful")).toBe(1);

    mounted.swap({ "default.json": "{ not json" });
    await next(live.onError);
    expect(await sample(registry, "outrigger_config_last_reload_successful")).toBe(0);
    expect(await sample(registry, 'outrigger_config_reloads_total{outcome="rejected"}')).toBe(1);
    expect(await sample(registry, 'outrigger_config_errors_total{code="CONFIG_LOAD_FAILED"}')).toBe(1);
    expect(await sample(registry, "outrigger_config_last_reload_success_timestamp_seconds")).toBe(startedAt);

    const swappedAt = Date.now();
    mounted.swap({ "default.json": { retry: { maxAttempts: 4 } } });
    await next(live.onChange);
    expect(await sample(registry, "outrigger_config_last_reload_successful")).toBe(1);
    expect(await sample(registry, 'outrigger_config_reloads_total{outcome="applied"}')).toBe(1);
    const appliedAt = await sample(registry, "outrigger_config_last_reload_success_timestamp_seconds");
    expect((appliedAt ?? 0) * 1000).toBeGreaterThanOrEqual(swappedAt);

    metrics.close();
    expect(await registry.metrics()).not.toContain("outrigger_config_");
  });
});
