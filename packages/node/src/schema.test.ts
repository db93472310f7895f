import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { outriggerConfigSchema } from "./config-schema.js";
import { sectionJsonSchema } from "./json-schema.js";
import { SAFE_DEFAULTS } from "./safe-defaults.js";

describe("the config section's schema", () => {
  it("schema.json (published as @outrigger/node/schema.json) is generated from the zod schema: `pnpm run schema`", () => {
    const published = JSON.parse(readFileSync(new URL("../schema.json", import.meta.url), "utf8"));
    expect(published).toEqual(JSON.parse(JSON.stringify(sectionJsonSchema())));
  });

  it("describes the keys an editor completes, with their defaults", () => {
    const section = (sectionJsonSchema().properties as { outrigger: { properties: Record<string, unknown> } })
      .outrigger;
    expect(Object.keys(section.properties)).toEqual([
      "registry",
      "instance",
      "shutdown",
      "admin",
      "inbound",
      "clients",
    ]);
    const registry = section.properties.registry as { properties: Record<string, { default?: unknown }> };
    expect(registry.properties.renewIntervalMs?.default).toBe(30_000);
    expect(registry.properties.kind?.default).toBe("eureka");
  });

  it("an empty section takes every default; the safe policy defaults are applied per service, not stored", () => {
    const resolved = outriggerConfigSchema.parse({});
    expect(resolved.registry).toMatchObject({
      kind: "eureka",
      enabled: true,
      failFast: false,
      renewIntervalMs: 30_000,
    });
    expect(resolved.shutdown).toEqual({ graceMs: 10_000, signals: ["SIGTERM", "SIGINT"] });
    expect(resolved.clients).toMatchObject({ idleCloseMs: 300_000, defaults: {}, services: {} });
    expect(SAFE_DEFAULTS.outlierDetection).toEqual({});
    expect(SAFE_DEFAULTS.retry).toEqual({ maxAttempts: 3, budget: true });
  });

  it("refuses a part the client would refuse, naming the path (merged with the defaults)", () => {
    const bad = outriggerConfigSchema.safeParse({
      clients: {
        defaults: { retry: { maxAttempts: 2, initialDelayMs: 100 } },
        services: {
          inventory: { timeout: { perTryMs: 5_000, totalMs: 1_000 } },
          payments: { retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 10 } },
        },
      },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join("."));
    expect(paths).toEqual([
      "clients.services.inventory.timeout.perTryMs",
      "clients.services.payments.retry.maxDelayMs",
    ]);
    expect(bad.error?.issues[1]?.message).toMatch(/maxDelayMs must be a finite number between 100/);
  });

  it("refuses an unknown key and a rule setting the balancer would refuse", () => {
    const typo = outriggerConfigSchema.safeParse({ clients: { defaults: { retries: { maxAttempts: 2 } } } });
    expect(typo.error?.issues[0]?.path.join(".")).toBe("clients.defaults");
    const rule = outriggerConfigSchema.safeParse({
      clients: { services: { inventory: { rule: { name: "slow-start", windowMs: -1 } } } },
    });
    expect(rule.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["clients.services.inventory.rule.windowMs", "rule.windowMs must be a finite number ≥ 1, got -1"],
    ]);
  });
});
