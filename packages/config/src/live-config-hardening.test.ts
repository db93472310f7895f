import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger, mountPerTest, next } from "./live-config.fixture.js";
import { createLiveConfig, type LiveConfig } from "./live-config.js";
import { loadConfig } from "./load-config.js";

/**
 * Lets the event loop reach its next timers phase: the reload runs in a timer and publishes at its end, so the
 * delay monitor's timer (due before this one) has to fire once more to record how long that turn held the loop.
 */
const loopTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

const each = mountPerTest<LiveConfig<Record<string, unknown>>>({
  "default.json": { retry: { maxAttempts: 3 } },
});

describe("LiveConfig: a watched directory deleted and recreated is watched again", () => {
  // Field reports: paulmillr/chokidar#917 and #1059, ttilley/fssm#6 — inotify watches the inode, so a watcher on a
  // deleted directory never fires again, even when a directory of the same name comes back.
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  /** A plain directory (not a Kubernetes mount) with one file, watched with the fallback poll off. */
  const plainDir = () => {
    const root = mkdtempSync(join(tmpdir(), "outrigger-recreate-"));
    roots.push(root);
    const dir = join(root, "config");
    const write = (n: number) =>
      writeFileSync(join(dir, "default.json"), JSON.stringify({ retry: { maxAttempts: n } }));
    mkdirSync(dir);
    write(1);
    const live = createLiveConfig({ dir, pollIntervalMs: 0, logger: memoryLogger() });
    each.live = live;
    return { dir, write, live };
  };

  it("picks up edits in the recreated directory from watch events (the fallback poll is off)", async () => {
    const { dir, write, live } = plainDir();
    rmSync(dir, { recursive: true });
    // The reload after the deletion finds nothing and is refused; the last good config keeps serving.
    expect((await next(live.onError, 5_000)).code).toMatch(/CONFIG_EMPTY|CONFIG_LOAD_FAILED/);
    expect(live.get("retry.maxAttempts")).toBe(1);

    mkdirSync(dir);
    write(2);
    expect((await next(live.onChange, 5_000)).changes).toEqual([
      { path: "retry.maxAttempts", oldValue: 1, newValue: 2 },
    ]);
    // And the new directory keeps being watched.
    write(3);
    expect((await next(live.onChange, 5_000)).changes[0]?.newValue).toBe(3);
  });

  it("a directory deleted and recreated at once (ext4 may even reuse its inode) is watched again too", async () => {
    const { dir, write, live } = plainDir();
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    write(2);
    expect((await next(live.onChange, 5_000)).changes[0]?.newValue).toBe(2);
    write(3);
    expect((await next(live.onChange, 5_000)).changes[0]?.newValue).toBe(3);
  });
});

describe("LiveConfig: files are bounded", () => {
  it("refuses a 50 MB JSON by its size, unread, and the event loop is never held for long", async () => {
    const live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    each.live = live;
    each.mounted.swap({ "default.json": JSON.stringify({ retry: { maxAttempts: 4 }, blob: "x".repeat(50_000_000) }) });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const error = await next(live.onError, 120_000);
    await loopTurn();
    delay.disable();
    expect(error.code).toBe("CONFIG_FILE_TOO_LARGE");
    expect(error.file).toBe(join(each.mounted.dir, "default.json"));
    expect(error.message).toMatch(/maxFileBytes/);
    expect(live.get("retry.maxAttempts")).toBe(3); // the last good config keeps serving
    expect(live.stats.lastReloadOk).toBe(false);
    // A bound, not a speed claim: parsing 50 MB held the loop for seconds; a stat and a refusal take far less.
    expect(delay.max / 1e6).toBeLessThan(1_000);
  }, 180_000);

  it("a file under the cap with 80 000 small objects reloads without holding the event loop for seconds", async () => {
    // node-config's deep clone looks up every object it copied in an array, so a merge was quadratic in the number
    // of objects: this 0.9 MB file held the loop for 6.6 s. Now it is linear; the bound below only guards a relapse.
    const live = createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger() });
    each.live = live;
    const routes = Array.from({ length: 80_000 }, (_, i) => ({ i }));
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 4 }, routes } });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();

    const event = await next(live.onChange, 120_000);
    await loopTurn();
    delay.disable();
    expect(event.changes.map((c) => c.path)).toEqual(["retry.maxAttempts", "routes"]);
    expect(live.get<{ i: number }[]>("routes")[79_999]).toEqual({ i: 79_999 });
    expect(delay.max / 1e6).toBeLessThan(3_000); // ~0.5 s here under a load average of 18; 6.6 s before
  }, 180_000);

  it("maxFileBytes is configurable, for loadConfig too", () => {
    each.mounted.swap({ "default.json": { retry: { maxAttempts: 4 }, pad: "x".repeat(2_000) } });
    expect(() => createLiveConfig({ dir: each.mounted.dir, maxFileBytes: 1_000, logger: memoryLogger() })).toThrow(
      expect.objectContaining({ code: "CONFIG_FILE_TOO_LARGE" }),
    );
    expect(() => loadConfig({ dir: each.mounted.dir, maxFileBytes: 1_000 })).toThrow(
      expect.objectContaining({ code: "CONFIG_FILE_TOO_LARGE" }),
    );
    expect(loadConfig({ dir: each.mounted.dir, maxFileBytes: 10_000 }).get("retry.maxAttempts")).toBe(4);
    expect(() => loadConfig({ dir: each.mounted.dir, maxFileBytes: -1 })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_OPTION" }),
    );
  });
});

describe("LiveConfig: a file rewritten more often than the debounce still reloads", () => {
  it("a mount swapped every 50 ms applies within maxWaitMs, not never", async () => {
    // A debounce of 400 ms against swaps every 50 ms: a pure trailing edge never gets its quiet time (even a busy
    // machine's late timers leave no 400 ms gap); the maximum wait (1 000 ms) applies the newest version anyway.
    const live = createLiveConfig({
      dir: each.mounted.dir,
      pollIntervalMs: 0,
      debounceMs: 400,
      logger: memoryLogger(),
    });
    each.live = live;
    let n = 10;
    const writer = setInterval(() => each.mounted.swap({ "default.json": { retry: { maxAttempts: ++n } } }), 50);
    try {
      const event = await next(live.onChange, 10_000);
      expect(event.changes[0]?.path).toBe("retry.maxAttempts");
      expect(event.changes[0]?.newValue).toBeGreaterThan(10);
    } finally {
      clearInterval(writer);
    }
  });
});

describe("LiveConfig options", () => {
  it.each([
    [{ debounceMs: -1 }, "debounceMs"],
    [{ pollIntervalMs: Number.NaN }, "pollIntervalMs"],
    [{ maxWaitMs: 50, debounceMs: 100 }, "maxWaitMs"],
    [{ maxFileBytes: 0 }, "maxFileBytes"],
    [{ maxFileBytes: Number.POSITIVE_INFINITY }, "maxFileBytes"],
  ])("refuses %o with CONFIG_INVALID_OPTION naming the option", (bad, name) => {
    expect(() => createLiveConfig({ dir: each.mounted.dir, logger: memoryLogger(), ...bad })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID_OPTION", message: expect.stringContaining(name) }),
    );
  });
});
