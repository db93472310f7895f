import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigChangeEvent, type LiveConfig, type RestartRequired, writeAtomically } from "@outrigger/config";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, describe, expect, it } from "vitest";
import { type Backend, deadInstance, startBackend } from "../src/backends.js";
import { createLiveClient, type LiveClient } from "../src/live-client.js";
import { liveSettings, type Settings } from "../src/settings.js";

const initial: Settings = {
  client: { retry: { maxAttempts: 2 }, lb: { rule: "round-robin", zone: "a" } },
  server: { port: 8080 },
};
const changed: Settings = {
  client: { retry: { maxAttempts: 4 }, lb: { rule: "zone-affinity", zone: "a" } },
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

describe("live wiring: a running client takes a new retry count and balancing rule", () => {
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

  async function froms(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++)
      out.push((await (client as LiveClient).http.get<{ from: string }>("lb://hello/")).data.from);
    return out;
  }

  async function retriesOfOneFailingCall(): Promise<number> {
    const before = (client as LiveClient).retries();
    await expect((client as LiveClient).http.get("lb://ghost/")).rejects.toThrow();
    return (client as LiveClient).retries() - before;
  }

  it("changes both without a restart and without one failed request", async () => {
    writeAtomically(dir, { "default.json": JSON.stringify(initial) });
    backends.push(await startBackend("hello-a", "a"), await startBackend("hello-b", "b"));
    settings = liveSettings(dir);
    client = createLiveClient(settings, {
      hello: new FixedInstancer(backends.map((b) => b.instance)),
      ghost: new FixedInstancer([await deadInstance("ghost-1")]),
    });
    expect(new Set(await froms(10))).toEqual(new Set(["hello-a", "hello-b"]));
    expect(await retriesOfOneFailingCall()).toBe(1); // maxAttempts 2

    // Traffic runs while the ConfigMap changes under the client, the way kubelet changes it.
    let stop = false;
    const failures: unknown[] = [];
    let ok = 0;
    const worker = async () => {
      while (!stop) {
        try {
          await (client as LiveClient).http.get("lb://hello/");
          ok++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const applied: Promise<ConfigChangeEvent<Settings>> = once(settings.onChange);
    const restart: Promise<readonly RestartRequired[]> = once(settings.onRestartRequired);
    writeAtomically(dir, { "default.json": JSON.stringify(changed) });
    const event = await applied;
    const okAtChange = ok;
    await froms(20); // and some more after it
    stop = true;
    await Promise.all(workers);

    expect(event.changes.map((c) => c.path)).toEqual(["client.lb.rule", "client.retry.maxAttempts"]);
    expect(okAtChange).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(new Set(await froms(10))).toEqual(new Set(["hello-a"])); // zone-affinity to zone a
    expect(await retriesOfOneFailingCall()).toBe(3); // maxAttempts 4
    // The port is restart-only: reported, not applied.
    expect(await restart).toEqual([{ path: "server.port", liveValue: 8080, pendingValue: 9090 }]);
    expect(settings.value.server.port).toBe(8080);
  });
});
