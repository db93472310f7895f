import { type FSWatcher, mkdtempSync, readlinkSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigError } from "./errors.js";
import { memoryLogger, mountPerTest, next, record } from "./live-config.fixture.js";
import { createLiveConfig, type LiveConfig } from "./live-config.js";
import { loadLayers } from "./load-config.js";

const each = mountPerTest<LiveConfig<Record<string, unknown>>>({
  "default.json": { retry: { maxAttempts: 3, delayMs: 10 }, lb: { rule: "round-robin" } },
  "production.json": { retry: { maxAttempts: 5 } },
});
let live: LiveConfig<Record<string, unknown>> | undefined;

describe("LiveConfig on a Kubernetes-style mount", () => {
  it("applies kubelet's whole swap — a changed, an added and a removed key — as one change event", async () => {
    live = each.live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    const changes = record(live.onChange);
    const errors = record(live.onError);
    const firstTarget = readlinkSync(join(each.mounted.dir, "..data"));
    each.mounted.swap({
      "default.json": { retry: { maxAttempts: 3, delayMs: 20 }, lb: { rule: "round-robin" } },
      "local.json": { lb: { rule: "least-requests" } }, // added key; production.json is removed
    });
    expect(readlinkSync(join(each.mounted.dir, "..data"))).not.toBe(firstTarget);
    const event = await next(live.onChange);
    expect(event.changes).toEqual([
      { path: "lb.rule", oldValue: "round-robin", newValue: "least-requests" },
      { path: "retry.delayMs", oldValue: 10, newValue: 20 },
      { path: "retry.maxAttempts", oldValue: 5, newValue: 3 },
    ]);
    expect(live.get("lb.rule")).toBe("least-requests");
    expect(live.config.sources).toEqual([join(each.mounted.dir, "default.json"), join(each.mounted.dir, "local.json")]);
    // A sentinel swap: had the first swap been seen as two updates, its second event would come before this one.
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 9 } } });
    await next(live.onChange);
    expect(changes).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("detects every one of repeated swaps", async () => {
    live = each.live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    for (let n = 1; n <= 5; n++) {
      each.mounted.swap({ "default.json": { retry: { maxAttempts: 10 + n } } });
      const event = await next(live.onChange);
      expect(event.changes.find((c) => c.path === "retry.maxAttempts")?.newValue).toBe(10 + n);
    }
    expect(live.stats.applied).toBe(5);
  });

  it("coalesces a burst of 20 swaps into one change to the last version", async () => {
    live = each.live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    const changes = record(live.onChange);
    for (let n = 1; n <= 20; n++) each.mounted.swap({ "default.json": { retry: { maxAttempts: 100 + n } } });
    const event = await next(live.onChange);
    expect(event.changes).toContainEqual({ path: "retry.maxAttempts", oldValue: 5, newValue: 120 });
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 1 } } }); // sentinel
    await next(live.onChange);
    expect(changes).toHaveLength(2);
  });

  it("never publishes a load during which ..data moved: it loads the new version instead", async () => {
    let calls = 0;
    live = each.live = createLiveConfig({
      dir: each.mounted.dir,
      logger: memoryLogger(),
      loader: (dirs, formats) => {
        calls++;
        // The first reload: kubelet swaps (and deletes the directory being read) while the load runs.
        if (calls === 2) each.mounted.swap({ "default.json": { retry: { maxAttempts: 33 } } });
        return loadLayers(dirs, formats);
      },
    });
    const errors = record(live.onError);
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 22 } } });
    const event = await next(live.onChange);
    expect(event.changes).toContainEqual({ path: "retry.maxAttempts", oldValue: 5, newValue: 33 });
    expect(calls).toBeGreaterThanOrEqual(3);
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 44 } } }); // sentinel
    expect((await next(live.onChange)).changes).toContainEqual({
      path: "retry.maxAttempts",
      oldValue: 33,
      newValue: 44,
    });
    expect(errors).toEqual([]);
  });

  it("keeps environment variables on top across reloads", async () => {
    process.env.SVC_RULE = "from-env";
    each.mounted.swap({
      "default.json": { retry: { maxAttempts: 3 }, lb: { rule: "round-robin" } },
      "custom-environment-variables.json": { lb: { rule: "SVC_RULE" } },
    });
    process.env.NODE_CONFIG = JSON.stringify({ retry: { delayMs: 77 } });
    live = each.live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    expect(live.get("lb.rule")).toBe("from-env");
    each.mounted.swap({
      "default.json": { retry: { maxAttempts: 4, delayMs: 1 }, lb: { rule: "random" } },
      "custom-environment-variables.json": { lb: { rule: "SVC_RULE" } },
    });
    const event = await next(live.onChange);
    expect(event.changes).toEqual([{ path: "retry.maxAttempts", oldValue: 3, newValue: 4 }]);
    expect(live.get("lb.rule")).toBe("from-env");
    expect(live.get("retry.delayMs")).toBe(77);
  });

  it("finds a swap by polling alone, and reads several directories (NODE_CONFIG_DIR)", async () => {
    const plain = mkdtempSync(join(tmpdir(), "outrigger-plain-"));
    try {
      writeFileSync(join(plain, "default.json"), JSON.stringify({ zone: "a" }));
      process.env.NODE_CONFIG_DIR = `${each.mounted.dir}${delimiter}${plain}`;
      live = each.live = createLiveConfig({ watch: false, pollIntervalMs: 50, debounceMs: 10, logger: memoryLogger() });
      expect(live.get("zone")).toBe("a");
      each.mounted.swap({ "default.json": { retry: { maxAttempts: 8 } } });
      expect((await next(live.onChange)).changes).toContainEqual({
        path: "retry.maxAttempts",
        oldValue: 5,
        newValue: 8,
      });
      writeFileSync(join(plain, "default.json"), JSON.stringify({ zone: "b" }));
      expect((await next(live.onChange)).changes).toEqual([{ path: "zone", oldValue: "a", newValue: "b" }]);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it("survives a watcher error: reports it, re-arms the watcher and keeps detecting swaps", async () => {
    const watchers: FSWatcher[] = [];
    let rearmed: () => void = () => {};
    const secondWatcher = new Promise<void>((resolve) => {
      rearmed = resolve;
    });
    live = each.live = createLiveConfig({
      dir: each.mounted.dir,
      pollIntervalMs: 0, // no polling: only the re-armed watcher can see the next swap
      logger: memoryLogger(),
      watchFactory: (dir, onEvent) => {
        const watcher = watch(dir, { persistent: false }, onEvent);
        watchers.push(watcher);
        if (watchers.length === 2) rearmed();
        return watcher;
      },
    });
    const errors: ConfigError[] = record(live.onError);
    watchers[0]?.emit("error", Object.assign(new Error("inotify queue overflow"), { code: "ENOSPC" }));
    expect(errors.map((e) => e.code)).toEqual(["CONFIG_WATCH_FAILED"]);
    await secondWatcher;
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 12 } } });
    expect((await next(live.onChange)).changes).toContainEqual({
      path: "retry.maxAttempts",
      oldValue: 5,
      newValue: 12,
    });
  });
});
