// Test fixtures for LiveConfig: a Kubernetes-style mount in a temp dir, and waiting on typed events.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event } from "@outrigger/core";
import { afterEach, beforeEach } from "vitest";
import { writeAtomically } from "./atomic-writer.js";
import { createLiveConfig, type LiveConfig, type LiveConfigOptions } from "./live-config.js";

/** A temp directory laid out as kubelet mounts a ConfigMap; `swap` updates it with kubelet's exact sequence. */
export interface Mount {
  readonly dir: string;
  swap(files: Record<string, unknown>): void;
  remove(): void;
}

/** Files given as objects are written as JSON; strings are written as they are (to write broken files). */
export function mount(files: Record<string, unknown>): Mount {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-mount-"));
  const swap = (next: Record<string, unknown>) => {
    const text = Object.fromEntries(
      Object.entries(next).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    writeAtomically(dir, text);
  };
  swap(files);
  return { dir, swap, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temp directory per test for node-config's files (`temp.dir`, new before each test, removed after it), with
 * node-config's own environment variables (NODE_ENV, NODE_CONFIG_ENV, NODE_CONFIG, NODE_APP_INSTANCE) unset for the
 * test and `process.env` restored after it. Call at module level.
 */
export function configDirPerTest(prefix: string): { readonly dir: string } {
  const saved = { ...process.env };
  const temp = { dir: "" };
  beforeEach(() => {
    temp.dir = mkdtempSync(join(tmpdir(), prefix));
    for (const name of ["NODE_ENV", "NODE_CONFIG_ENV", "NODE_CONFIG", "NODE_APP_INSTANCE"]) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(temp.dir, { recursive: true, force: true });
  });
  return temp;
}

/** Resolves with the next value `event` publishes; the timeout only guards against a hang. */
export function next<T>(event: Event<T>, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no event within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = event((value) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

/** Every value `event` publishes, in order. */
export function record<T>(event: Event<T>): T[] {
  const seen: T[] = [];
  event((value) => {
    seen.push(value);
  });
  return seen;
}

/** A logger that keeps its lines. */
export function memoryLogger(): { lines: string[]; warn(message: string): void } {
  const lines: string[] = [];
  return { lines, warn: (message) => lines.push(message) };
}

/** What `mountPerTest` hands each test: its mount, and a place for the LiveConfig to close after it. */
export interface PerTest<L> {
  readonly mounted: Mount;
  live: L | undefined;
}

/**
 * Registers per-test setup: NODE_ENV=production without NODE_CONFIG/NODE_CONFIG_DIR, a fresh mount of `files`;
 * after each test the LiveConfig put in `live` is closed, the mount removed and the environment restored.
 */
export function mountPerTest<L extends { close(): void }>(files: Record<string, unknown>): PerTest<L> {
  const saved = { ...process.env };
  const state = { mounted: undefined as unknown as Mount, live: undefined as L | undefined };
  beforeEach(() => {
    process.env.NODE_ENV = "production";
    delete process.env.NODE_CONFIG;
    delete process.env.NODE_CONFIG_DIR;
    state.mounted = mount(files);
  });
  afterEach(() => {
    state.live?.close();
    state.live = undefined;
    state.mounted.remove();
    process.env = { ...saved };
  });
  return state;
}

/** Opens a LiveConfig on this test's mount with a quiet logger; it is closed after the test. */
export function liveOn<T>(state: PerTest<{ close(): void }>, options: LiveConfigOptions<T> = {}): LiveConfig<T> {
  const live = createLiveConfig<T>({ dir: state.mounted.dir, logger: memoryLogger(), ...options });
  state.live = live;
  return live;
}
