import { afterEach, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, next, snapshotWhere } from "./testing/snapshots.js";
import { TcpFront } from "./testing/tcp-front.js";

/*
 * A registry restarted behind one address (a proxy, a Kubernetes Service in a rolling update): the new process is
 * up and re-registered before the old one gets SIGTERM, the old one answers its held watches as it stops, and the
 * client's next watch, sent with the index it just got, reaches the new process. The registry is the real CLI in
 * child processes; the address is a TCP front that sends new connections to whichever process it points at.
 * Rule: hashicorp/consul#2621 (an index reached again by a restarted agent held clients on data they never saw) and
 * Consul's blocking-query docs, hashicorp/consul#5358 (an index going backwards means "start over").
 */
describe("watching instancers when the registry behind their address restarts as a new process", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two registry processes, `old` and `fresh`, and a front pointing at `old`; all stopped after the test. */
  const setUp = async () => {
    const old = new RegistryProcess();
    const fresh = new RegistryProcess();
    cleanups.push(
      () => old.kill(),
      () => fresh.kill(),
    );
    // One after the other: a run's index tag is its start time in ms (mod 65 536), two at once could share it.
    await old.start();
    await fresh.start();
    const front = await TcpFront.open(old.port);
    cleanups.push(() => front.close());
    return { old, fresh, front };
  };

  const watch = (front: TcpFront): RegistryWatchInstancer => {
    const instancer = new RegistryWatchInstancer({
      registryUrl: `http://127.0.0.1:${front.port}/eureka`,
      service: "orders",
      waitMs: 20_000,
      restartGraceMs: 0, // the registry's word at once: the test is about what it answers
      backoff: { initialMs: 20, maxMs: 200 },
    });
    cleanups.push(() => instancer.close());
    return instancer;
  };

  it("gets the new process's set at once when it has reached the same count of changes, not when the wait ends (hashicorp/consul#2621)", async () => {
    const { old, fresh, front } = await setUp();
    await old.register("orders", "old-1");
    await fresh.register("orders", "new-1"); // the same number of writes: the same count, other content
    const instancer = watch(front);
    await snapshotWhere(instancer, (s) => ids(s).join() === "old-1");

    front.target = fresh.port; // the address now leads to the new process ...
    const stopping = performance.now();
    await old.stop(); // ... and the old one answers the held watch (old-1, its index) as it exits
    await snapshotWhere(instancer, (s) => ids(s).join() === "new-1");
    // On main the new process numbered its state as the old one had: the watch was held there for its 20 s wait.
    expect(performance.now() - stopping).toBeLessThan(5_000);

    // The watch goes on against the new process: its next change arrives as promptly.
    const changed = performance.now();
    await fresh.register("orders", "new-2");
    await snapshotWhere(instancer, (s) => s.instances.length === 2);
    expect(performance.now() - changed).toBeLessThan(5_000);
    expect(ids(instancer.current())).toEqual(["new-1", "new-2"]);
  }, 40_000);

  it("ConsulInstancer, the same restart: its consul watch re-sends the index it held and gets the new set at once (hashicorp/consul#2621)", async () => {
    const { old, fresh, front } = await setUp();
    await old.register("orders", "old-1");
    await fresh.register("orders", "new-1");
    const instancer = new ConsulInstancer({
      consul: { host: "127.0.0.1", port: front.port },
      service: "orders",
      wait: "20s",
      restartGraceMs: 0,
    });
    cleanups.push(() => instancer.close());
    await snapshotWhere(instancer, (s) => ids(s).join() === "old-1");
    front.target = fresh.port;
    const stopping = performance.now();
    await old.stop(); // the held query is answered unchanged: the consul watch sends the same index again
    await snapshotWhere(instancer, (s) => ids(s).join() === "new-1");
    expect(performance.now() - stopping).toBeLessThan(5_000);
  }, 40_000);

  it("still sees the index go backwards (a reset) when the new process has fewer changes", async () => {
    const { old, fresh, front } = await setUp();
    await old.register("orders", "old-1");
    await old.register("orders", "old-2");
    await fresh.register("orders", "new-1");
    const instancer = watch(front);
    await snapshotWhere(instancer, (s) => s.instances.length === 2);
    const reset = next(instancer.onReset);
    front.target = fresh.port;
    await old.stop();
    const { from, to } = await reset;
    expect(to).toBeLessThan(from);
    await snapshotWhere(instancer, (s) => ids(s).join() === "new-1");
  }, 40_000);
  it("surfaces the new process's policy when it holds other content under the same revision number", async () => {
    // A lone registry keeps policies in memory: restarted, it numbers revisions from 1 again, so the revision a
    // client runs can come back with other content. Like the Istio/xDS rule the SDK follows (compare what is
    // served, not a counter), the instancer must hand on a policy whose content changed, whatever its number.
    const { old, fresh, front } = await setUp();
    const put = (registry: RegistryProcess, maxAttempts: number) =>
      fetch(`${registry.url}/outrigger/policy/services/orders`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ destination: { retry: { maxAttempts } }, routes: [{ route: [{}] }] }),
      }).then((response) => expect(response.status).toBeLessThan(300));
    await old.register("orders", "old-1");
    await fresh.register("orders", "new-1");
    await put(old, 2);
    await put(fresh, 5); // revision 1 on both, other content
    const instancer = watch(front);
    const retryOf = () =>
      (instancer.policy()?.policy as { destination?: { retry?: { maxAttempts?: number } } } | null)?.destination?.retry
        ?.maxAttempts;
    await snapshotWhere(instancer, (s) => ids(s).join() === "old-1");
    expect([instancer.policy()?.revision, retryOf()]).toEqual([1, 2]);

    front.target = fresh.port;
    await old.stop();
    await snapshotWhere(instancer, (s) => ids(s).join() === "new-1");
    expect([instancer.policy()?.revision, retryOf()]).toEqual([1, 5]);
  }, 40_000);
});
