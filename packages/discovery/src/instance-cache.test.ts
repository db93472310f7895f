import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DiscoveryError, isDiscoveryError } from "./errors.js";
import { anyStatus } from "./filters.js";
import { InstanceCache } from "./instance-cache.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";

const instance = (id: string, status: ServiceInstance["status"] = "UP"): ServiceInstance => ({
  id,
  service: "orders",
  host: "127.0.0.1",
  port: 9000,
  secure: false,
  status,
  metadata: {},
});

describe("InstanceCache", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-cache-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("publishes whole snapshots and never re-emits an identical one, whatever the order", () => {
    const cache = new InstanceCache();
    const seen: Snapshot[] = [];
    cache.onChange((s) => seen.push(s));
    expect(cache.update([instance("b"), instance("a")])).toBe(true);
    expect(cache.update([instance("a"), instance("b")])).toBe(false);
    expect(cache.update([instance("a")])).toBe(true);
    expect(seen.map((s) => s.instances.map((i) => i.id))).toEqual([["a", "b"], ["a"]]);
  });

  it("publishes only UP instances by default, every status with anyStatus", () => {
    const set = [instance("a"), instance("b", "STARTING"), instance("c", "OUT_OF_SERVICE")];
    const up = new InstanceCache();
    up.update(set);
    expect(up.current().instances.map((i) => i.id)).toEqual(["a"]);
    const all = new InstanceCache({ filter: anyStatus });
    all.update(set);
    expect(all.current().instances).toHaveLength(3);
  });

  it("keeps the last good set on a backend failure and reports the error", () => {
    const cache = new InstanceCache();
    const errors: Error[] = [];
    cache.onError((e) => errors.push(e));
    cache.update([instance("a")]);
    cache.fail(new DiscoveryError("DISCOVERY_REGISTRY_UNREACHABLE", "down"));
    expect(errors).toHaveLength(1);
    expect(cache.current().instances.map((i) => i.id)).toEqual(["a"]);
  });

  it("failure(): the last error while the backend has not answered since; an answer clears it even when nothing changed", () => {
    const cache = new InstanceCache();
    expect(cache.failure()).toBeUndefined();
    const down = new DiscoveryError("DISCOVERY_REGISTRY_UNREACHABLE", "down");
    cache.fail(down);
    expect(cache.failure()).toBe(down);
    cache.update([]); // the same (empty) set: no onChange, but the backend answered
    expect(cache.failure()).toBeUndefined();
    cache.close();
    cache.fail(down); // a closed cache reports nothing
    expect(cache.failure()).toBeUndefined();
  });

  it("writes the snapshot atomically and a new cache starts from it", async () => {
    const file = join(await tempDir(), "orders.json");
    const first = new InstanceCache({ snapshotFile: file });
    first.update([instance("a")]);
    first.update([instance("a"), instance("b")]);
    await first.flush();
    expect(await readdir(join(file, ".."))).toEqual(["orders.json"]); // no temp file left behind
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({
      version: 1,
      instances: [{ id: "a" }, { id: "b" }],
    });

    const second = new InstanceCache({ snapshotFile: file });
    expect(second.fromDisk).toBe(true);
    expect(second.current().instances.map((i) => i.id)).toEqual(["a", "b"]);
    const seen: Snapshot[] = [];
    second.onChange((s) => seen.push(s));
    second.update([instance("a"), instance("b")]); // the backend agrees with the disk: nothing new to publish
    expect(seen).toEqual([]);
    expect(second.fromDisk).toBe(false);
  });

  it("starts empty and reports DISCOVERY_SNAPSHOT_FAILED on a corrupt snapshot file, keeping the file", async () => {
    const file = join(await tempDir(), "bad.json");
    await writeFile(file, "{not json");
    const cache = new InstanceCache({ snapshotFile: file });
    const error = await new Promise<Error>((resolve) => cache.onError(resolve));
    expect(isDiscoveryError(error) && error.code).toBe("DISCOVERY_SNAPSHOT_FAILED");
    expect(error.message).toMatch(/delete it/);
    expect(cache.current().instances).toEqual([]);
    expect(await readFile(file, "utf8")).toBe("{not json");
  });

  it("reports a snapshot it cannot write, and keeps serving", async () => {
    const file = join(await tempDir(), "missing-dir", "orders.json");
    const cache = new InstanceCache({ snapshotFile: file });
    const errors: Error[] = [];
    cache.onError((e) => errors.push(e));
    cache.update([instance("a")]);
    await cache.flush();
    expect(errors.map((e) => (e as DiscoveryError).code)).toEqual(["DISCOVERY_SNAPSHOT_FAILED"]);
    expect(cache.current().instances).toHaveLength(1);
  });
  it("coalesces a burst of changes into at most two writes, the newest set last (no queue per change)", async () => {
    // Each attempt at a path in a missing directory fails and is reported once, so the reports count the writes.
    const unwritable = new InstanceCache({ snapshotFile: join(await tempDir(), "missing-dir", "orders.json") });
    const errors: Error[] = [];
    unwritable.onError((e) => errors.push(e));
    for (let n = 1; n <= 500; n++) unwritable.update(Array.from({ length: n }, (_, i) => instance(`i${i}`)));
    await unwritable.flush();
    expect(errors.length).toBeLessThanOrEqual(2); // was 500: one whole-set write queued per change

    const file = join(await tempDir(), "orders.json");
    const cache = new InstanceCache({ snapshotFile: file });
    for (let n = 1; n <= 500; n++) cache.update(Array.from({ length: n }, (_, i) => instance(`i${i}`)));
    await cache.flush();
    const saved = JSON.parse(await readFile(file, "utf8")) as { instances: ServiceInstance[] };
    expect(saved.instances).toHaveLength(500);
    cache.update([instance("last")]);
    await cache.flush();
    expect((JSON.parse(await readFile(file, "utf8")) as { instances: ServiceInstance[] }).instances).toHaveLength(1);
    expect((await readdir(join(file, ".."))).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});
