import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigChangeEvent, type LiveConfig, type RestartRequired, writeAtomically } from "@outrigger/config";
import { FixedInstancer } from "@outrigger/discovery";
import { isResilienceError, type RejectedEvent } from "@outrigger/resilience";
import { afterAll, describe, expect, it } from "vitest";
import { type Backend, deadInstance, startBackend } from "../src/backends.js";
import { createLiveClient, type LiveClient } from "../src/live-client.js";
import { liveSettings, type Settings } from "../src/settings.js";

// Rate-limit windows are a minute long, so which calls a limit admits depends on counts, not on timing: the test
// runs well inside one window. `hello`'s limit is far above what the test sends; `quota`'s is the one provoked.
const WINDOW_MS = 60_000;
const retry = { initialDelayMs: 1, maxDelayMs: 20 };
const initial: Settings = {
  client: {
    lb: { rule: { name: "round-robin" } },
    policy: { retry: { maxAttempts: 2, ...retry }, rateLimit: { points: 100_000, durationMs: WINDOW_MS } },
    policies: { quota: { rateLimit: { points: 3, durationMs: WINDOW_MS } } },
  },
  server: { port: 8080 },
};
const changed: Settings = {
  client: {
    lb: { rule: { name: "zone-preference", zone: "a" } },
    policy: { retry: { maxAttempts: 4, ...retry }, rateLimit: { points: 200_000, durationMs: WINDOW_MS } },
    policies: { quota: { rateLimit: { points: 8, durationMs: WINDOW_MS } } },
  },
  server: { port: 9090 },
};

function once<T>(event: (listener: (value: T) => void) => { dispose(): void }): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}

describe("live wiring: a running client takes a new retry count, rate limit and balancing rule", () => {
  const dir = mkdtempSync(join(tmpdir(), "live-config-example-"));
  const backends: Backend[] = [];
  let settings: LiveConfig<Settings> | undefined;
  let client: LiveClient | undefined;

  afterAll(async () => {
    client?.close();
    settings?.close();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const live = (): LiveClient => client as LiveClient;

  async function froms(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await live().http("hello").get<{ from: string }>("lb://hello/")).data.from);
    return out;
  }

  async function retriesOfOneFailingCall(): Promise<number> {
    const before = live().retries();
    await expect(live().http("ghost").get("lb://ghost/")).rejects.toThrow();
    return live().retries() - before;
  }

  /** Calls `quota` one at a time until its rate limit refuses one: how many it admitted, and the refusal. */
  async function admittedByQuota(): Promise<{ admitted: number; refusal: unknown }> {
    for (let admitted = 0; admitted < 1_000; admitted++) {
      try {
        await live().http("quota").get("lb://quota/");
      } catch (refusal) {
        return { admitted, refusal };
      }
    }
    throw new Error("quota admitted 1000 calls: its rate limit is not in force");
  }

  it("changes all three in one swap, without a restart and without one failed request", async () => {
    writeAtomically(dir, { "default.json": JSON.stringify(initial) });
    backends.push(
      await startBackend("hello-a", "a"),
      await startBackend("hello-b", "b"),
      await startBackend("quota-1", "a", "quota"),
    );
    settings = liveSettings(dir);
    client = createLiveClient(settings, {
      hello: new FixedInstancer([(backends[0] as Backend).instance, (backends[1] as Backend).instance]),
      quota: new FixedInstancer([(backends[2] as Backend).instance]),
      ghost: new FixedInstancer([await deadInstance("ghost-1")]),
    });
    const quotaRejections: RejectedEvent[] = [];
    live()
      .policy("quota")
      .onRejected((e) => quotaRejections.push(e));

    // Before: round robin, 1 retry, and quota admits 3 calls a window; the 4th is refused, deliberately.
    expect(new Set(await froms(10))).toEqual(new Set(["hello-a", "hello-b"]));
    expect(await retriesOfOneFailingCall()).toBe(1); // maxAttempts 2
    const before = await admittedByQuota();
    expect(before.admitted).toBe(3);
    expect(isResilienceError(before.refusal) && before.refusal.code).toBe("RESILIENCE_RATE_LIMITED");
    const retryAfterMs = (before.refusal as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
    expect(quotaRejections).toEqual([{ policy: "rateLimit" }]);

    // Traffic runs on `hello` while the ConfigMap changes under the client, the way kubelet changes it. A failure is
    // ANY rejected request — a refused connection, a timeout, a rate-limit refusal: this traffic is within every
    // limit in force (hello's 100 000 then 200 000 a window), so none may be refused, even while hello's limiter is
    // replaced under it.
    let stop = false;
    const failures: unknown[] = [];
    let ok = 0;
    const worker = async () => {
      while (!stop) {
        try {
          await live().http("hello").get("lb://hello/");
          ok++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const applied: Promise<ConfigChangeEvent<Settings>> = once(settings.onChange);
    const helloSwaps = once(live().policy("hello").onApplied);
    const restart: Promise<readonly RestartRequired[]> = once(settings.onRestartRequired);
    writeAtomically(dir, { "default.json": JSON.stringify(changed) });
    const event = await applied;
    const okAtChange = ok;
    await froms(20); // and some more after it
    stop = true;
    await Promise.all(workers);

    expect(event.changes.map((c) => c.path).sort()).toEqual([
      "client.lb.rule.name",
      "client.lb.rule.zone",
      "client.policies.quota.rateLimit.points",
      "client.policy.rateLimit.points",
      "client.policy.retry.maxAttempts",
    ]);
    expect(okAtChange).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    // hello's limiter was rebuilt under that traffic (new settings), not carried over.
    expect((await helloSwaps).kept).not.toContain("rateLimit");

    // After: zone affinity, 3 retries, and quota admits 8 calls in a fresh window — more than the old limit — then
    // refuses the 9th.
    expect(new Set(await froms(10))).toEqual(new Set(["hello-a"])); // zone preference: zone a
    expect(await retriesOfOneFailingCall()).toBe(3); // maxAttempts 4
    const after = await admittedByQuota();
    expect(after.admitted).toBe(8);
    expect(isResilienceError(after.refusal) && after.refusal.code).toBe("RESILIENCE_RATE_LIMITED");
    expect(quotaRejections).toEqual([{ policy: "rateLimit" }, { policy: "rateLimit" }]);
    expect(live().policy("quota").spec.rateLimit).toEqual({ points: 8, durationMs: WINDOW_MS });

    // The port is restart-only: reported, not applied.
    expect(await restart).toEqual([{ path: "server.port", liveValue: 8080, pendingValue: 9090 }]);
    expect(settings.value.server.port).toBe(8080);
  });

  it("keeps a policy the client would refuse out, names the field, and keeps the limit in force", async () => {
    const live0 = live();
    const rejected = once((settings as LiveConfig<Settings>).onError);
    const bad = { ...changed, client: { ...changed.client, policies: { quota: { rateLimit: { points: 0 } } } } };
    writeAtomically(dir, { "default.json": JSON.stringify(bad) });
    const error = await rejected;
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("client.policies.quota.rateLimit.points");
    expect(live0.policy("quota").spec.rateLimit).toEqual({ points: 8, durationMs: WINDOW_MS });
    // quota's limiter was not replaced: its window is still spent (8 of 8), so the next call is refused at once.
    const { admitted } = await admittedByQuota();
    expect(admitted).toBe(0);
  });

  it("keeps a rule spec the balancer would refuse out, naming the field, and the rule in force stays", async () => {
    const rejected = once((settings as LiveConfig<Settings>).onError);
    const bad = { ...changed, client: { ...changed.client, lb: { rule: { name: "slow-start", windowMs: -1 } } } };
    writeAtomically(dir, { "default.json": JSON.stringify(bad) });
    const error = await rejected;
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("client.lb.rule");
    expect(error.message).toContain("rule.windowMs must be a finite number ≥ 1, got -1");
    expect(new Set(await froms(6))).toEqual(new Set(["hello-a"])); // still zone preference
  });
});
