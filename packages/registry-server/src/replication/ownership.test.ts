import { afterEach, describe, expect, it } from "vitest";
import { ConsulAgent } from "../consul/agent.js";
import { parseServiceDefinition } from "../consul/definition.js";
import { CONSUL_METADATA, toInstanceInfo } from "../consul/mapping.js";
import { Registry } from "../registry.js";
import { fakeClock } from "../test-fixtures.js";
import { ConsulOwnership, OWNER_GONE_NOTE } from "./ownership.js";

const TIMEOUT_MS = 3_000;

function setUp(node: string) {
  const clock = fakeClock();
  const registry = new Registry({ clock });
  const agent = new ConsulAgent({ registry, clock, node: () => node });
  const ownership = new ConsulOwnership(registry, agent, { node, ownerTimeoutMs: TIMEOUT_MS });
  return { clock, registry, agent, ownership };
}

/** A Consul service as a peer's replication delivers it: stamped with its owner's node name. */
function replicated(registry: Registry, owner: string, now: number) {
  const definition = parseServiceDefinition({ Name: "web", ID: "web-1", Port: 80 }, "127.0.0.1");
  return registry.register(
    toInstanceInfo(
      definition,
      [{ id: "c", name: "c", notes: "", type: "ttl", status: "passing", output: "" }],
      now,
      owner,
    ),
    "replication",
  );
}

describe("ConsulOwnership (replication/ownership.ts)", () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it("stamps the owner, renews what it owns, and peers see the renewals as local renews to replicate", () => {
    const { clock, registry, agent, ownership } = setUp("node-a");
    closers.push(
      () => ownership.close(),
      () => agent.close(),
    );
    agent.register(parseServiceDefinition({ Name: "web", ID: "web-1", Port: 80 }, "127.0.0.1"));
    const lease = registry.get("WEB", "web-1");
    expect(lease?.info.metadata[CONSUL_METADATA.node]).toBe("node-a");
    const renews: string[] = [];
    registry.onRenew(({ lease: l, origin }) => renews.push(`${l.info.instanceId}:${origin}`));
    clock.advance(1_000);
    ownership.tick();
    expect(renews).toEqual(["web-1:local"]);
    expect(registry.get("WEB", "web-1")?.lastRenewedAt).toBe(clock.now());
  });

  it("marks a silent owner's service DOWN and critical without replicating it, and restores it on the owner's renewal", () => {
    const { clock, registry, agent, ownership } = setUp("node-b");
    closers.push(
      () => ownership.close(),
      () => agent.close(),
    );
    const original = replicated(registry, "node-a", clock.now()).info;
    const origins: string[] = [];
    registry.onChange((change) => origins.push(change.origin));
    clock.advance(TIMEOUT_MS);
    ownership.tick();
    expect(registry.get("WEB", "web-1")?.info.status).toBe("UP"); // not past the timeout yet
    clock.advance(1);
    ownership.tick();
    const marked = registry.get("WEB", "web-1")?.info;
    expect(marked?.status).toBe("DOWN");
    expect(marked?.metadata[CONSUL_METADATA.checkStatus]).toBe("critical");
    expect(marked?.metadata[CONSUL_METADATA.checkNote]).toBe(OWNER_GONE_NOTE);
    // Never stamped dirty: the owner's copy still wins any comparison.
    expect(marked?.lastDirtyTimestamp).toBe(original.lastDirtyTimestamp);
    expect(origins).toEqual(["replication"]);

    registry.renewChecked("WEB", "web-1", { lastDirtyTimestamp: original.lastDirtyTimestamp, origin: "replication" });
    expect(registry.get("WEB", "web-1")?.info).toEqual(original);
  });

  it("drops a copy another peer marked once the owner renews it, so the owner sends its registration again", () => {
    const { clock, registry, agent, ownership } = setUp("node-c");
    closers.push(
      () => ownership.close(),
      () => agent.close(),
    );
    const info = replicated(registry, "node-a", clock.now()).info;
    // As synced from a peer that had marked it: DOWN, with the note, but never marked here.
    registry.update(
      "WEB",
      "web-1",
      (i) => ({
        ...i,
        status: "DOWN",
        metadata: { ...i.metadata, [CONSUL_METADATA.checkNote]: OWNER_GONE_NOTE },
      }),
      "replication",
    );
    registry.renewChecked("WEB", "web-1", { lastDirtyTimestamp: info.lastDirtyTimestamp, origin: "replication" });
    expect(registry.get("WEB", "web-1")).toBeUndefined();
    expect(registry.renewChecked("WEB", "web-1", { origin: "replication" }).kind).toBe("not-found");
  });

  it("removes a copy stamped with its own name that its agent does not run, and the removal is local (replicated)", () => {
    const { clock, registry, agent, ownership } = setUp("node-a");
    closers.push(
      () => ownership.close(),
      () => agent.close(),
    );
    const removals: string[] = [];
    registry.onChange((change) => {
      if (change.action === "DELETED") removals.push(change.origin);
    });
    replicated(registry, "node-a", clock.now());
    expect(registry.get("WEB", "web-1")).toBeUndefined();
    expect(removals).toEqual(["local"]);
    // Another node's service is left alone.
    replicated(registry, "node-c", clock.now());
    expect(registry.get("WEB", "web-1")?.info.status).toBe("UP");
  });
});
