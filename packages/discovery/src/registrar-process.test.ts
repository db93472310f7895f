import { createServer, type Socket } from "node:net";
import type { Event } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EurekaRegistrar, type RegisterReason } from "./eureka-registrar.js";
import { exited, spawnTs, waitForEvent } from "./testing/child-process.js";
import { RegistryProcess } from "./testing/registry-process.js";

function next<T>(event: Event<T>): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}

async function statusOf(registry: RegistryProcess, app: string, id: string): Promise<string | number> {
  const response = await fetch(`${registry.eurekaUrl}/apps/${app}`, { headers: { accept: "application/json" } });
  if (response.status === 404) return 404;
  const body = (await response.json()) as { application: { instance: Array<{ instanceId: string; status: string }> } };
  return body.application.instance.find((i) => i.instanceId === id)?.status ?? 404;
}

// Real processes: the registry is killed and restarted on its port; services are child processes sent signals.
describe("EurekaRegistrar with real processes", () => {
  const registry = new RegistryProcess();
  beforeAll(() => registry.start());
  afterAll(() => registry.kill());

  it("registers again on the first heartbeat after the registry restarts, with the status set meanwhile", async () => {
    const registrar = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app: "billing", host: "127.0.0.1", port: 9200, instanceId: "b-1" },
      renewIntervalMs: 400,
      retry: { initialMs: 50 },
    });
    try {
      await registrar.register();
      let failures = 0;
      const threeFailures = new Promise<void>((resolve) =>
        registrar.onError(() => {
          failures += 1;
          if (failures === 3) resolve();
        }),
      );
      await registry.kill();
      await threeFailures; // retried with backoff, never thrown into the process
      await registrar.setStatus("OUT_OF_SERVICE"); // resolves even though the registry cannot be told now

      // Listen before the restart: a heartbeat landing as the registry comes up registers at once.
      const registered = next<{ reason: RegisterReason }>(registrar.onRegister);
      await registry.start();
      const failuresBefore = failures;
      const { reason } = await registered;
      expect(["re-register", "status"]).toContain(reason);
      // Backoff is capped at the renew interval, so the first attempt after the restart comes within one
      // heartbeat — and it succeeded: no failure happened after the registry was back.
      expect(failures).toBe(failuresBefore);
      expect(await statusOf(registry, "BILLING", "b-1")).toBe("OUT_OF_SERVICE");
    } finally {
      await registrar.close();
    }
    expect(await statusOf(registry, "BILLING", "b-1")).toBe(404);
  });

  const child = (id: string, hookTimeoutMs: number) =>
    spawnTs(new URL("./testing/registered-child.ts", import.meta.url), {
      REGISTRY_URL: registry.eurekaUrl,
      INSTANCE_ID: id,
      HOOK_TIMEOUT_MS: String(hookTimeoutMs),
    });

  it("deregisters on SIGTERM before the process exits, then exits as the signal would have", async () => {
    const service = child("s-1", 3_000);
    await waitForEvent(service, "registered");
    expect(await statusOf(registry, "SHUTDOWN", "s-1")).toBe("UP");
    service.kill("SIGTERM");
    expect(await exited(service)).toEqual({ code: null, signal: "SIGTERM" });
    expect(await statusOf(registry, "SHUTDOWN", "s-1")).toBe(404);
  });

  it("still exits on SIGINT when the registry hangs: the hook's timeout bounds deregistration", async () => {
    const service = child("s-2", 200);
    await waitForEvent(service, "registered");
    await registry.kill();
    // A registry that accepts connections and never answers: the worst case for a shutdown.
    const sockets: Socket[] = [];
    const hung = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(registry.port, "127.0.0.1", resolve));
    try {
      service.kill("SIGINT");
      expect(await exited(service)).toEqual({ code: null, signal: "SIGINT" });
      expect(sockets.length).toBeGreaterThan(0); // it did try to deregister
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
      await registry.start();
    }
  });
});
