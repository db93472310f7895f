// The live-config example with real parts: a registry, registered instances and the caller (src/caller.ts) on
// loopback, its config in a ConfigMap-style directory whose `..data` symlink is swapped under load, as kubelet does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Outrigger, OutriggerNodeError } from "@outrigger/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWorld, type World } from "../src/backends.js";
import { call, startCaller } from "../src/caller.js";
import { type CallerConfig, exampleConfig, writeConfigMap } from "../src/config-map.js";

// Rate-limit windows are a minute long, so which calls a limit admits depends on counts, not on timing: the test
// runs well inside one window. `hello`'s limit is far above what the test sends; `quota`'s is the one provoked.
const WINDOW_MS = 60_000;

/** The example's config with the swap of the test: retries 2 → 4, zone preference, quota 3 → 8, hello's limit. */
function changed(): CallerConfig {
  const config = exampleConfig();
  const clients = config.outrigger.clients ?? {};
  clients.defaults = {
    ...clients.defaults,
    rule: { name: "zone-preference", zone: "a" },
    retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 20 },
    rateLimit: { points: 200_000, durationMs: WINDOW_MS },
  };
  clients.services = { ...clients.services, quota: { rateLimit: { points: 8, durationMs: WINDOW_MS } } };
  return config;
}

describe("live-config example: one createOutrigger call follows a ConfigMap swap under load", () => {
  const dir = mkdtempSync(join(tmpdir(), "live-config-example-"));
  const errors: OutriggerNodeError[] = [];
  let world: World;
  let og: Outrigger;

  beforeAll(async () => {
    world = await startWorld();
    writeConfigMap(dir, exampleConfig(), world.registryUrl);
    og = await startCaller(dir);
    og.onError((error) => errors.push(error));
  });

  afterAll(async () => {
    await og?.close();
    await world?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const froms = async (n: number): Promise<Set<string>> => {
    const out = new Set<string>();
    for (let i = 0; i < n; i++) out.add(await call(og, "hello"));
    return out;
  };

  /** Requests one failing call to `flaky` made: its attempts, retries included (flaky answers every one 503). */
  const attemptsOfOneFailingCall = async (): Promise<number> => {
    const before = world.flakyRequests();
    await expect(call(og, "flaky")).rejects.toThrow();
    return world.flakyRequests() - before;
  };

  /** Calls `quota` one at a time until its rate limit refuses one: how many it admitted, and the refusal. */
  const admittedByQuota = async (): Promise<{
    admitted: number;
    refusal: { code?: string; retryAfterMs?: number };
  }> => {
    for (let admitted = 0; admitted < 1_000; admitted++) {
      try {
        await call(og, "quota");
      } catch (refusal) {
        return { admitted, refusal: refusal as { code?: string; retryAfterMs?: number } };
      }
    }
    throw new Error("quota admitted 1000 calls: its rate limit is not in force");
  };

  /** The value of one sample line of the caller's `/metrics` (its admin port). */
  const metric = async (line: string): Promise<number | undefined> => {
    const text = await (await fetch(`${og.adminUrl}/metrics`)).text();
    const found = text.split("\n").find((l) => l.startsWith(`${line} `));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };

  /** Resolves with the caller's next refusal of a config update. */
  const nextError = (): Promise<OutriggerNodeError> =>
    new Promise((resolve) => {
      const sub = og.onError((error) => {
        sub.dispose();
        resolve(error);
      });
    });

  it("changes retries, rule and rate limits in one swap under load, with 0 failed calls", async () => {
    // Before: round robin, 1 retry (maxAttempts 2), quota admits 3 calls a window and refuses the 4th at once.
    expect(await froms(10)).toEqual(new Set(["hello-a", "hello-b"]));
    expect(await attemptsOfOneFailingCall()).toBe(2);
    const before = await admittedByQuota();
    expect(before.admitted).toBe(3);
    expect(before.refusal.code).toBe("RESILIENCE_RATE_LIMITED");
    expect(before.refusal.retryAfterMs).toBeGreaterThan(0);
    expect(before.refusal.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);

    // Four workers call hello while the directory changes under the caller. A failure is ANY rejected call — a
    // refused connection, a timeout, a rate-limit refusal: this traffic is within every limit in force (hello's
    // 100 000, then 200 000 a window), so none may fail, even while hello's limiter is replaced under it.
    let stop = false;
    let ok = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (!stop) {
        await call(og, "hello").then(
          () => ok++,
          (error: unknown) => failures.push(error),
        );
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const applied = (await metric('outrigger_policy_updates_total{outcome="applied"}')) ?? 0;
    writeConfigMap(dir, changed(), world.registryUrl);
    // og applies an update in the same turn as it takes it in, so once og.config() shows it, it is in force.
    await vi.waitFor(() => expect(og.config().clients.defaults.retry?.maxAttempts).toBe(4), { timeout: 10_000 });
    const okAtChange = ok;
    await froms(20); // and some more after it
    stop = true;
    await Promise.all(workers);
    expect(okAtChange).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(await metric('outrigger_policy_updates_total{outcome="applied"}')).toBe(applied + 1);
    expect(await metric("outrigger_policy_last_update_ok")).toBe(1);

    // After: zone preference (zone a only), 3 retries, and quota admits 8 calls — more than the old limit — then
    // refuses the 9th.
    expect(await froms(10)).toEqual(new Set(["hello-a"]));
    expect(await attemptsOfOneFailingCall()).toBe(4);
    const after = await admittedByQuota();
    expect(after.admitted).toBe(8);
    expect(after.refusal.code).toBe("RESILIENCE_RATE_LIMITED");
    expect(errors).toEqual([]);
  });

  it("refuses a rate limit the client cannot build, names the path, keeps the limit and its spent window", async () => {
    const bad = changed();
    (bad.outrigger.clients?.services ?? {}).quota = { rateLimit: { points: 0, durationMs: WINDOW_MS } };
    const refused = nextError();
    writeConfigMap(dir, bad, world.registryUrl);
    const error = await refused;
    expect(error.code).toBe("OUTRIGGER_CONFIG_INVALID");
    expect(error.path).toBe("outrigger.clients.services.quota.rateLimit.points");
    expect(og.config().clients.services.quota?.rateLimit).toEqual({ points: 8, durationMs: WINDOW_MS });
    // quota's limiter was not replaced: its window is still spent (8 of 8), so the next call is refused at once.
    expect((await admittedByQuota()).admitted).toBe(0);
    // The refusal on /metrics: counted, the last update not ok, and the config reload marked failed.
    expect(await metric('outrigger_policy_updates_total{outcome="refused"}')).toBe(1);
    expect(await metric("outrigger_policy_last_update_ok")).toBe(0);
    expect(await metric("outrigger_config_last_reload_successful")).toBe(0);
  });

  it("refuses a rule the balancer would refuse, names the field, and the rule in force stays", async () => {
    const bad = changed();
    const clients = bad.outrigger.clients ?? {};
    clients.defaults = { ...clients.defaults, rule: { name: "slow-start", windowMs: -1 } };
    const refused = nextError();
    writeConfigMap(dir, bad, world.registryUrl);
    const error = await refused;
    expect(error.code).toBe("OUTRIGGER_CONFIG_INVALID");
    expect(error.path).toBe("outrigger.clients.defaults.rule.windowMs");
    expect(error.message).toContain("rule.windowMs must be a finite number ≥ 1, got -1");
    expect(await froms(6)).toEqual(new Set(["hello-a"])); // still zone preference
    expect(await metric('outrigger_policy_updates_total{outcome="refused"}')).toBe(2);
  });
});
