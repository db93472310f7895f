import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readBoundedFile } from "@outrigger/core";
import { type Clock, systemClock } from "../clock.js";
import { isRegistryError } from "../errors.js";
import { parsePolicyText, planPolicies } from "./documents.js";
import { FileClaims } from "./file-claims.js";
import { DEFAULT_SETTLE_MS, lookAt, SettleWindow } from "./file-settle.js";
import { PolicyError } from "./policy-error.js";
import { MAX_POLICY_BYTES, policyTooLarge } from "./policy-size.js";
import { decodePolicyText } from "./policy-text.js";
import type { PolicyStore } from "./store.js";

/** What the GitOps watcher did with one file: applied (with the services and revisions written) or refused. */
export type PolicyDirEvent =
  | { readonly event: "policy-applied"; readonly file: string; readonly services: Record<string, number> }
  | {
      readonly event: "policy-refused";
      readonly file: string;
      readonly code: string;
      readonly message: string;
    };

/** Settings of a watched policy directory. */
export interface PolicyDirOptions {
  readonly dir: string;
  readonly store: PolicyStore;
  readonly onEvent?: (event: PolicyDirEvent) => void;
  /** A rescan after this many ms even without a file event (default 2 000): some mounts send none. */
  readonly pollIntervalMs?: number;
  /**
   * How long a file written in place must keep its size and modification time before it is read (default
   * `DEFAULT_SETTLE_MS`, 500); 0 reads at once. A ConfigMap's `..data` entries are read at once.
   */
  readonly settleMs?: number;
  /** Measures the settle window (default: the wall clock). */
  readonly clock?: Clock;
}

/** Events of one swap arrive together; a scan waits 25 ms for the rest. */
const DEBOUNCE_MS = 25;
/** A file still being written after four settle windows at start (a log named `.yaml`?) is left to the watcher. */
const MAX_START_ROUNDS = 4;

/**
 * GitOps mode: applies every `*.yaml`, `*.yml` and `*.json` file of a directory at start and whenever one changes.
 * A ConfigMap volume swaps its `..data` symlink atomically; entries starting with `.` (`..data`, `..2024_…`) are
 * skipped and the visible names, symlinks through `..data`, are read at once. A file written in place is read once
 * its size and modification time held still for the settle window, and applied only if they did not change while
 * it was read, so a prefix that parses is never applied. Each file applies as a whole or not at all; a refused file
 * is reported with its path and the policies it applied last stay. A file setting a service's policy (or its
 * routes, or its destination) that another file set first is refused naming both (`FileClaims`). A removed file
 * removes nothing (as Argo CD without `prune`), and is forgotten: put back, it applies again.
 */
export class PolicyDir {
  readonly #options: PolicyDirOptions;
  readonly #seen = new Map<string, string>();
  readonly #claims = new FileClaims();
  /** Files refused because another file holds their service: tried again when that one lets go. */
  readonly #waiting = new Set<string>();
  readonly #settle: SettleWindow;
  readonly #watcher: FSWatcher | undefined;
  readonly #poll: NodeJS.Timeout;
  #debounce: NodeJS.Timeout | undefined;
  #later: { readonly at: number; readonly timer: NodeJS.Timeout } | undefined;
  #scanning: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: PolicyDirOptions) {
    this.#options = options;
    this.#settle = new SettleWindow(options.settleMs ?? DEFAULT_SETTLE_MS, options.clock ?? systemClock);
    try {
      this.#watcher = watch(options.dir, () => this.#schedule());
      this.#watcher.on("error", () => {});
    } catch {
      // No inotify (or the directory is not there yet): the poll below still finds changes.
    }
    this.#poll = setInterval(() => this.#schedule(), options.pollIntervalMs ?? 2_000);
    this.#poll.unref();
  }

  /**
   * Scans now; resolves when every changed file was applied or refused, or found still being written (it is
   * looked at again when its settle window ends).
   */
  scan(): Promise<void> {
    this.#scanning = this.#scanning.then(() => this.#scanOnce());
    return this.#scanning;
  }

  /**
   * Scans, then scans again while a file is still settling, for at most `MAX_START_ROUNDS` settle windows: at
   * start, so the directory's policies are served from the first request even when a file was written just before.
   */
  async scanSettled(): Promise<void> {
    await this.scan();
    for (let round = 0; round < MAX_START_ROUNDS && !this.#closed; round += 1) {
      const later = this.#later;
      if (!later) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, later.at - Date.now())));
      await this.scan();
    }
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    clearTimeout(this.#later?.timer);
  }

  #schedule(): void {
    if (this.#closed || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.scan();
    }, DEBOUNCE_MS);
    this.#debounce.unref();
  }

  /** A scan in `ms` (a file still settling); the earliest of those asked for wins. */
  #scanIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.#closed || (this.#later && this.#later.at <= at)) return;
    clearTimeout(this.#later?.timer);
    const timer = setTimeout(() => {
      this.#later = undefined;
      this.#schedule();
    }, ms);
    timer.unref();
    this.#later = { at, timer };
  }

  async #scanOnce(): Promise<void> {
    if (this.#closed) return;
    let names: string[];
    try {
      names = (await readdir(this.#options.dir)).filter((n) => !n.startsWith(".") && /\.(ya?ml|json)$/i.test(n)).sort();
    } catch {
      return;
    }
    const files = names.map((name) => join(this.#options.dir, name));
    // A file that is gone is forgotten, so one put back (a reverted deletion) applies again even with the same bytes.
    for (const file of this.#seen.keys()) if (!files.includes(file)) this.#seen.delete(file);
    for (const file of this.#waiting) if (!files.includes(file)) this.#waiting.delete(file);
    this.#settle.keepOnly(files);
    if (this.#claims.keepOnly(files)) this.#retryWaiting();
    for (const file of files) await this.#applyFile(file);
  }

  /** Files refused for a conflict are read again: the file that held their service let go of it. */
  #retryWaiting(): void {
    for (const file of this.#waiting) this.#seen.delete(file);
    this.#waiting.clear();
  }

  async #applyFile(file: string): Promise<void> {
    const before = await lookAt(file);
    // Vanished between readdir and here (a swap in progress): the next event scans again.
    if (!before) return;
    const wait = this.#settle.wait(file, before);
    if (wait > 0) return this.#scanIn(wait);
    let bytes: Buffer;
    try {
      // Never blocks (a FIFO here held the scan, and so every later file and shutdown, for ever) nor reads past
      // the cap, even for a file that grows after a size check.
      bytes = await readBoundedFile(file, MAX_POLICY_BYTES);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      // Reported once, not on every rescan (every 2 s) while it stays.
      if (this.#seen.get(file) === `unreadable:${code}`) return;
      this.#seen.set(file, `unreadable:${code}`);
      if (code === "EFBIG") return this.#refuse(file, policyTooLarge());
      if (code === "EFTYPE") {
        const notFile = "The path is not a regular file (a FIFO, socket or device): put YAML or JSON files here";
        return this.#refuse(file, new PolicyError("REGISTRY_POLICY_INVALID", notFile));
      }
      return this.#refuse(file, error);
    }
    // Read twice: a write that landed while the bytes were read starts the settle window again.
    const after = await lookAt(file);
    if (after?.signature !== before.signature) {
      if (after) this.#scanIn(this.#settle.wait(file, after));
      return;
    }
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (this.#seen.get(file) === hash) return;
    this.#seen.set(file, hash);
    try {
      const { store } = this.#options;
      const docs = parsePolicyText(decodePolicyText(bytes));
      this.#waiting.delete(file);
      try {
        this.#claims.check(file, docs);
      } catch (error) {
        this.#waiting.add(file);
        throw error;
      }
      const planned = planPolicies(docs, (service) => store.get(service)?.policy ?? undefined);
      store.assertRoom([...planned.keys()]);
      const services: Record<string, number> = {};
      for (const [service, policy] of planned) services[service] = store.put(service, policy).record.revision;
      if (this.#claims.set(file, docs)) {
        this.#retryWaiting();
        this.#schedule();
      }
      this.#options.onEvent?.({ event: "policy-applied", file, services });
    } catch (error) {
      this.#refuse(file, error);
    }
  }

  #refuse(file: string, error: unknown): void {
    const code = isRegistryError(error) ? error.code : "REGISTRY_POLICY_INVALID";
    this.#options.onEvent?.({ event: "policy-refused", file, code, message: (error as Error).message });
  }
}
