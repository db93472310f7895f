import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeProcess, registerProcess, streaming, update } from "./fleet-fixtures.js";
import { FleetHub } from "./fleet-hub.js";
import { Registry } from "./registry.js";
import { fakeClock } from "./test-fixtures.js";

const TOKEN = "registry-s3cret";
const FAST = { backoffMs: 20, maxBackoffMs: 40, connectTimeoutMs: 500, idleTimeoutMs: 300, maxLineBytes: 4096 };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function fleet(options: ConstructorParameters<typeof FleetHub>[1] = {}) {
  const clock = fakeClock();
  const registry = new Registry({ clock });
  const hub = new FleetHub(registry, { limits: FAST, ...options });
  cleanup.push(() => hub.close());
  return { clock, registry, hub };
}

async function process(behaviour: Parameters<typeof fakeProcess>[0]) {
  const p = await fakeProcess(behaviour);
  cleanup.push(p.close);
  return p;
}

describe("FleetHub", () => {
  it("subscribes to an advertising process with the registry's token and shows its caller → service edges", async () => {
    const { registry, hub } = await fleet({ token: TOKEN });
    const checkout = await process(streaming(update("stock", { errorPct: 20, breaker: "open" })));
    registerProcess(registry, "checkout", "c-1", `${checkout.port}/outrigger/fleet`);
    registerProcess(registry, "stock", "s-1");
    hub.view();
    await vi.waitFor(() => expect(hub.view().edges).toHaveLength(1));
    expect(hub.view()).toMatchObject({
      edges: [{ caller: "CHECKOUT", service: "stock", errorPct: 20, breakers: { open: 1 } }],
      processes: [{ key: "CHECKOUT/c-1", live: true }],
    });
    expect(checkout.seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("subscribes to at most maxProcesses, and says how many it left out", async () => {
    const { registry, hub } = await fleet({ maxProcesses: 2 });
    const p = await process(streaming(update("stock")));
    for (const id of ["a", "b", "c"]) registerProcess(registry, "checkout", id, `${p.port}/f`);
    expect(hub.view()).toMatchObject({ skipped: 1 });
    expect(hub.size).toBe(2);
  });

  it("drops a stream whose line passes maxLineBytes, reports REGISTRY_FLEET_BAD_STREAM, and reconnects", async () => {
    const { registry, hub } = await fleet();
    const hostile = await process(streaming(`data: ${"x".repeat(10_000)}`));
    registerProcess(registry, "checkout", "c-1", `${hostile.port}/f`);
    hub.view();
    await vi.waitFor(() =>
      expect(hub.view().processes[0]?.error).toEqual({
        code: "REGISTRY_FLEET_BAD_STREAM",
        message: "a line passed 4096 bytes",
      }),
    );
    // Backoff, then a new connection: once the process behaves, its edge shows.
    hostile.behave(streaming(update("stock")));
    await vi.waitFor(() => expect(hub.view().edges).toHaveLength(1));
    expect(hostile.seen.length).toBeGreaterThanOrEqual(2);
    expect(hub.view().processes[0]?.error).toBeUndefined();
  });

  it("drops a silent stream after idleTimeoutMs and an answer that is not 200, never echoing the token", async () => {
    const { registry, hub } = await fleet({ token: TOKEN });
    const silent = await process(streaming(""));
    const refusing = await process((res) => res.writeHead(401).end());
    registerProcess(registry, "a", "1", `${silent.port}/f`);
    registerProcess(registry, "b", "1", `${refusing.port}/f`);
    hub.view();
    await vi.waitFor(() => {
      const [a, b] = hub.view().processes;
      expect(a?.error).toEqual({ code: "REGISTRY_FLEET_UNREACHABLE", message: "silent for 300 ms" });
      expect(b?.error?.message).toBe("answered 401 (the registry's token is refused)");
    });
    expect(JSON.stringify(hub.view())).not.toContain(TOKEN);
  });

  it("follows the registry (a process that leaves is dropped) and stops everything 30 s after the last read", async () => {
    const { clock, registry, hub } = await fleet();
    const p = await process(streaming(update("stock")));
    registerProcess(registry, "checkout", "a", `${p.port}/f`);
    registerProcess(registry, "checkout", "b", `${p.port}/f`);
    hub.view();
    expect(hub.size).toBe(2);
    registry.cancel("CHECKOUT", "b");
    await vi.waitFor(() => expect(hub.size).toBe(1), { timeout: 3_000 });
    clock.advance(30_001);
    await vi.waitFor(() => expect(hub.size).toBe(0), { timeout: 3_000 });
  });

  it("no longer counts a process whose last update is older than 5 s", async () => {
    const { clock, registry, hub } = await fleet();
    const p = await process(streaming(update("stock")));
    registerProcess(registry, "checkout", "a", `${p.port}/f`);
    hub.view();
    await vi.waitFor(() => expect(hub.view().edges).toHaveLength(1));
    clock.advance(5_001);
    expect(hub.view()).toMatchObject({ edges: [], processes: [{ live: false }] });
  });
});
