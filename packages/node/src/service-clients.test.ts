import { FixedInstancer, type Instancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { type OutriggerConfig, outriggerConfigSchema, type ResolvedOutriggerConfig } from "./config-schema.js";
import { createServiceClients } from "./service-clients.js";

const up = (id: string, port: number) => ({
  id,
  service: "inventory",
  host: "127.0.0.1",
  port,
  secure: false,
  status: "UP" as const,
  metadata: {},
});

function setup(section: OutriggerConfig["clients"] = {}) {
  let config: ResolvedOutriggerConfig = outriggerConfigSchema.parse({ clients: section });
  let t = 0;
  const made: Instancer[] = [];
  const clients = createServiceClients({
    config: () => config,
    instancer: () => {
      const instancer = new FixedInstancer([up("a", 3001), up("b", 3002)]);
      made.push(instancer);
      return instancer;
    },
    clock: { now: () => t },
  });
  return {
    clients,
    made,
    advance: (ms: number) => {
      t += ms;
    },
    set: (next: OutriggerConfig["clients"]) => {
      config = outriggerConfigSchema.parse({ clients: next });
      clients.apply(config);
    },
  };
}

describe("per-service clients", () => {
  it("are made on first use from the service's section merged over the safe defaults", () => {
    const { clients } = setup({ services: { inventory: { retry: { maxAttempts: 5 } } } });
    expect(clients.services()).toEqual([]);
    expect(clients.policy("inventory").spec).toEqual({
      retry: { maxAttempts: 5 },
      timeout: { perTryMs: 3_000, totalMs: 10_000 },
    });
    expect(clients.policy("payments").spec.retry).toEqual({ maxAttempts: 3, budget: true });
    expect(clients.services()).toEqual(["inventory", "payments"]);
  });

  it("follow config: the pipeline applied, the rule swapped live, the balancer rebuilt when outlier detection changes", async () => {
    const { clients, set } = setup();
    const live = clients.policy("inventory");
    const balancer = clients.balancer("inventory");
    const first = await balancer.acquire();
    first.done({ kind: "success", rttMs: 1 });
    set({ services: { inventory: { retry: { maxAttempts: 4 }, rule: { name: "random" } } } });
    expect(clients.policy("inventory")).toBe(live); // the same LivePolicy: breaker and budget state kept
    expect(live.spec.retry).toEqual({ maxAttempts: 4 });
    set({ services: { inventory: { outlierDetection: false } } });
    const pick = await clients.balancer("inventory").acquire();
    expect(["a", "b"]).toContain(pick.instance.id);
    pick.done({ kind: "success", rttMs: 1 });
  });

  it("close after idleCloseMs without a request, never with one in flight; made again on the next use", async () => {
    const { clients, made, advance } = setup({ idleCloseMs: 60_000 });
    const pick = await clients.balancer("inventory").acquire();
    advance(61_000);
    expect(clients.sweep()).toEqual([]); // a request is in flight
    pick.done({ kind: "success", rttMs: 1 });
    expect(clients.sweep()).toEqual(["inventory"]);
    expect(clients.instancer("inventory").current().instances).toEqual([]); // the dispatcher closes its pools
    expect(made).toHaveLength(1);
    (await clients.balancer("inventory").acquire()).done({ kind: "success", rttMs: 1 });
    expect(made).toHaveLength(2);
    expect(clients.instancer("inventory").current().instances).toHaveLength(2);
  });
});
