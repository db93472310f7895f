import { mkdtempSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type Mount, memoryLogger, mount, next, record } from "./live-config.fixture.js";
import { createLiveConfig, type LiveConfig } from "./live-config.js";
import type { Loader } from "./load-candidate.js";
import { loadLayers } from "./load-config.js";

const schema = z.object({
  retry: z.object({ maxAttempts: z.number().int().min(1).max(10), delayMs: z.number().min(0) }),
  lb: z.object({ rule: z.enum(["round-robin", "least-requests"]) }),
  server: z.object({ port: z.number().int() }),
});
type Settings = z.infer<typeof schema>;

const good = {
  retry: { maxAttempts: 3, delayMs: 10 },
  lb: { rule: "round-robin" },
  server: { port: 8080 },
};
const saved = { ...process.env };
let mounted: Mount;
let live: LiveConfig<Settings> | undefined;

beforeEach(() => {
  process.env.NODE_ENV = "production";
  delete process.env.NODE_CONFIG;
  mounted = mount({ "default.json": good });
});
afterEach(() => {
  vi.useRealTimers();
  live?.close();
  live = undefined;
  mounted.remove();
  process.env = { ...saved };
});

describe("LiveConfig validates before it applies", () => {
  it("keeps invalid, unparseable and empty updates out, naming the file and path, then applies a good one", async () => {
    const logger = memoryLogger();
    live = createLiveConfig({ dir: mounted.dir, schema, logger });
    const changes = record(live.onChange);
    const file = join(mounted.dir, "default.json");

    mounted.swap({ "default.json": good, "production.json": { retry: { maxAttempts: 50 } } });
    const invalid = await next(live.onError);
    expect(invalid).toMatchObject({
      code: "CONFIG_INVALID",
      path: "retry.maxAttempts",
      file: join(mounted.dir, "production.json"),
    });
    expect(logger.lines.at(-1)).toMatch(/CONFIG_INVALID: .*"retry.maxAttempts".*production\.json/);

    mounted.swap({ "default.json": "{ retry: { maxAttempts: 4, " });
    expect(await next(live.onError)).toMatchObject({ code: "CONFIG_LOAD_FAILED", file });
    mounted.swap({ "default.json": "" });
    expect(await next(live.onError)).toMatchObject({ code: "CONFIG_EMPTY", file });

    // Nothing of the three reached readers, and the typed value is the last good one.
    expect(live.value.retry.maxAttempts).toBe(3);
    expect(live.stats).toMatchObject({ applied: 0, rejected: 3 });
    expect(live.stats.errorsByCode).toEqual({ CONFIG_INVALID: 1, CONFIG_LOAD_FAILED: 1, CONFIG_EMPTY: 1 });
    mounted.swap({ "default.json": { ...good, retry: { maxAttempts: 4, delayMs: 10 } } });
    const event = await next(live.onChange);
    expect(event.value.retry.maxAttempts).toBe(4);
    expect(changes).toHaveLength(1);
  });

  it("refuses to start on an invalid first load (there is no last good config to keep)", () => {
    mounted.swap({ "default.json": { ...good, lb: { rule: "coin-toss" } } });
    expect(() => createLiveConfig({ dir: mounted.dir, schema, logger: memoryLogger() })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "lb.rule" }),
    );
  });

  it("holds restart-only keys back and reports them, while applying the rest", async () => {
    live = createLiveConfig({ dir: mounted.dir, schema, restartOnly: ["server.port"], logger: memoryLogger() });
    const restart = next(live.onRestartRequired);
    mounted.swap({ "default.json": { ...good, server: { port: 9090 }, lb: { rule: "least-requests" } } });
    const event = await next(live.onChange);
    expect(event.changes).toEqual([{ path: "lb.rule", oldValue: "round-robin", newValue: "least-requests" }]);
    expect(await restart).toEqual([{ path: "server.port", liveValue: 8080, pendingValue: 9090 }]);
    expect(live.value.server.port).toBe(8080);
    // Still pending on the next update: not reported again. A new pending value is.
    const reports = record(live.onRestartRequired);
    mounted.swap({ "default.json": { ...good, server: { port: 9090 } } });
    await next(live.onChange);
    expect(reports).toEqual([]);
    mounted.swap({ "default.json": { ...good, server: { port: 7070 }, lb: { rule: "least-requests" } } });
    await next(live.onChange);
    expect(reports).toEqual([[{ path: "server.port", liveValue: 8080, pendingValue: 7070 }]]);
  });

  it("reports a .js/.ts config in the directory as not reloadable and reads data formats only", async () => {
    live = createLiveConfig({ dir: mounted.dir, schema, logger: memoryLogger() });
    const reported = next(live.onError);
    const applied = next(live.onChange);
    mounted.swap({
      "default.json": { ...good, retry: { maxAttempts: 5, delayMs: 10 } },
      "production.js": "module.exports = { retry: { maxAttempts: 9 } };",
    });
    expect(await reported).toMatchObject({ code: "CONFIG_NOT_RELOADABLE", file: join(mounted.dir, "production.js") });
    const event = await applied;
    expect(event.value.retry.maxAttempts).toBe(5);
    expect(live.notReloadable).toEqual([join(mounted.dir, "production.js")]);
  });
  it("reloads YAML (its parser, js-yaml, is installed here) and rejects a YAML file that parses to nothing", async () => {
    live = createLiveConfig({ dir: mounted.dir, schema, logger: memoryLogger() });
    mounted.swap({ "default.json": good, "production.yaml": "retry:\n  maxAttempts: 6\n" });
    expect((await next(live.onChange)).value.retry.maxAttempts).toBe(6);
    mounted.swap({ "default.json": good, "production.yaml": "# all commented out\n" });
    expect(await next(live.onError)).toMatchObject({
      code: "CONFIG_EMPTY",
      file: join(mounted.dir, "production.yaml"),
    });
    mounted.swap({});
    expect(await next(live.onError)).toMatchObject({ code: "CONFIG_EMPTY", file: undefined });
    expect(live.value.retry.maxAttempts).toBe(6);
  });
});

describe("LiveConfig and config files that parse to nothing", () => {
  it("takes a comment-only file as node-config does (a placeholder), and refuses one that held values (a cut write)", async () => {
    // On main a commented-out local.yaml (a common placeholder) stopped LiveConfig from starting, and a new
    // comment-only file blocked every reload after it, although node-config itself reads such a file as nothing.
    mounted.swap({ "default.json": good, "local.yaml": "--- # machine overrides go here\n" });
    live = createLiveConfig({ dir: mounted.dir, schema, logger: memoryLogger() });
    expect(live.value.retry.maxAttempts).toBe(3);
    mounted.swap({
      "default.json": { ...good, retry: { maxAttempts: 4, delayMs: 10 } },
      "local.yaml": "# machine overrides go here\n",
      "production.yaml": "%YAML 1.2\n---\n~ # nothing for production yet\n",
    });
    expect((await next(live.onChange)).value.retry.maxAttempts).toBe(4);
    mounted.swap({ "default.json": good, "production.yaml": "retry:\n  maxAttempts: 6\n" });
    expect((await next(live.onChange)).value.retry.maxAttempts).toBe(6);
    // production.yaml gave values to the config in force: empty now, it is a cut write until shown otherwise.
    mounted.swap({ "default.json": good, "production.yaml": "" });
    expect(await next(live.onError)).toMatchObject({
      code: "CONFIG_EMPTY",
      file: join(mounted.dir, "production.yaml"),
    });
    expect(live.value.retry.maxAttempts).toBe(6);
    // Cleared on purpose: {} is a value.
    mounted.swap({ "default.json": good, "production.yaml": "{}\n" });
    expect((await next(live.onChange)).value.retry.maxAttempts).toBe(3);
  });

  it("refuses a file with content that parsed to nothing (its format's parser is missing), at the start too", () => {
    mounted.swap({ "default.json": good, "production.yaml": "retry:\n  maxAttempts: 6\n" });
    // node-config without a YAML parser logs and hands back nothing for the file: a loader that does the same.
    const loader: Loader = (dirs, formats, maxFileBytes) => {
      const layers = loadLayers(dirs, formats, maxFileBytes);
      return { ...layers, sources: layers.sources.map((s) => (s.name.endsWith(".yaml") ? { name: s.name } : s)) };
    };
    expect(() => createLiveConfig({ dir: mounted.dir, schema, loader, logger: memoryLogger() })).toThrow(
      expect.objectContaining({ code: "CONFIG_EMPTY", message: expect.stringContaining("parser installed") }),
    );
  });
});

describe("LiveConfig and a file caught while it is written", () => {
  it("drops a load during which a file changed and loads again, so a half-written file never applies", () => {
    // A writer that streams a file in place (no rename) past maxWaitMs: the load may read it cut at a line that
    // still parses (here: delayMs not written yet). On main that half applied, then the rest a second later.
    mounted.swap({ "default.json": good, "production.yaml": "retry:\n  maxAttempts: 6\n" });
    const file = join(mounted.dir, "production.yaml");
    let restDuringLoad: string | undefined;
    const loader: Loader = (dirs, formats, maxFileBytes) => {
      const layers = loadLayers(dirs, formats, maxFileBytes);
      if (restDuringLoad !== undefined) writeFileSync(file, restDuringLoad, { flag: "a" }); // the writer goes on
      restDuringLoad = undefined;
      return layers;
    };
    live = createLiveConfig({
      dir: mounted.dir,
      schema,
      loader,
      watch: false,
      pollIntervalMs: 0,
      logger: memoryLogger(),
    });
    const applied = record(live.onChange);
    writeFileSync(file, "retry:\n  maxAttempts: 9\n"); // the writer has written the first lines
    restDuringLoad = "  delayMs: 20\n";
    expect(live.reload()).toBe(true);
    expect(applied.map((e) => e.value.retry)).toEqual([{ maxAttempts: 9, delayMs: 20 }]);
  });
});

describe("LiveConfig listeners", () => {
  it("isolates listeners: one that throws and one that rejects neither stop the others nor crash", async () => {
    live = createLiveConfig({ dir: mounted.dir, schema, logger: memoryLogger() });
    const errors = record(live.onError);
    live.onChange(() => {
      throw new Error("listener bug");
    });
    live.subscribe("retry.maxAttempts", async () => {
      throw new Error("async listener bug");
    });
    const seen: Array<[unknown, unknown]> = [];
    live.subscribe<number>("retry.maxAttempts", (newValue, oldValue) => {
      seen.push([oldValue, newValue]);
    });
    const untouched: unknown[] = [];
    live.subscribe("lb", (value) => untouched.push(value));
    const whole = next(live.onChange);
    mounted.swap({ "default.json": { ...good, retry: { maxAttempts: 6, delayMs: 10 } } });
    await whole;
    await vi.waitFor(() => expect(errors).toHaveLength(2), { timeout: 5_000 });
    expect(errors.map((e) => e.code)).toEqual(["CONFIG_LISTENER_FAILED", "CONFIG_LISTENER_FAILED"]);
    expect(seen).toEqual([[3, 6]]);
    expect(untouched).toEqual([]);
  });
});

describe("LiveConfig debounce (fake clock; file events are real)", () => {
  it("absorbs a partial in-place write: loads once, after the writes go quiet for debounceMs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "outrigger-inplace-"));
    try {
      const file = join(dir, "default.json");
      writeFileSync(file, JSON.stringify(good));
      let events = 0;
      let onRaw: () => void = () => {};
      const rawEvent = () => new Promise<void>((resolve) => (onRaw = resolve));
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
      live = createLiveConfig({
        dir,
        schema,
        debounceMs: 100,
        pollIntervalMs: 0,
        logger: memoryLogger(),
        watchFactory: (d, onEvent) =>
          watch(d, { persistent: false }, () => {
            events++;
            onEvent();
            onRaw();
          }),
      });
      const errors = record(live.onError);
      const changes = record(live.onChange);
      const full = JSON.stringify({ ...good, retry: { maxAttempts: 7, delayMs: 10 } });
      let seen = rawEvent();
      writeFileSync(file, full.slice(0, 20)); // an editor or `cp` caught half way
      await seen;
      vi.advanceTimersByTime(60);
      expect(live.stats.reloads).toBe(0);
      seen = rawEvent();
      writeFileSync(file, full);
      await seen;
      vi.advanceTimersByTime(99); // trailing edge: the second write restarted the wait
      expect(live.stats.reloads).toBe(0);
      vi.advanceTimersByTime(1);
      expect(live.stats.reloads).toBe(1);
      expect(events).toBeGreaterThanOrEqual(2);
      expect(errors).toEqual([]);
      expect(changes.map((c) => c.value.retry.maxAttempts)).toEqual([7]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
