import { createHash } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readBoundedFile } from "@outrigger/core";
import { isRegistryError } from "../errors.js";
import { parsePolicyText, planPolicies } from "./documents.js";
import { PolicyError } from "./policy-error.js";
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
}

/** A policy file larger than 1 MiB is refused: a fleet's policies are kilobytes. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;
/** Events of one swap arrive together; a scan waits 25 ms for the rest. */
const DEBOUNCE_MS = 25;

/**
 * GitOps mode: applies every `*.yaml`, `*.yml` and `*.json` file of a directory at start and whenever one changes.
 * A ConfigMap volume swaps its `..data` symlink atomically; entries starting with `.` (`..data`, `..2024_…`) are
 * skipped and the visible names, symlinks through `..data`, are read. Each file applies as a whole or not at all;
 * a refused file is reported with its path and the policies it applied last stay. A removed file removes nothing
 * (as Argo CD without `prune`), and is forgotten: put back, it applies again.
 */
export class PolicyDir {
  readonly #options: PolicyDirOptions;
  readonly #seen = new Map<string, string>();
  readonly #watcher: FSWatcher | undefined;
  readonly #poll: NodeJS.Timeout;
  #debounce: NodeJS.Timeout | undefined;
  #scanning: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: PolicyDirOptions) {
    this.#options = options;
    try {
      this.#watcher = watch(options.dir, () => this.#schedule());
      this.#watcher.on("error", () => {});
    } catch {
      // No inotify (or the directory is not there yet): the poll below still finds changes.
    }
    this.#poll = setInterval(() => this.#schedule(), options.pollIntervalMs ?? 2_000);
    this.#poll.unref();
  }

  /** Scans now; resolves when every changed file was applied or refused. */
  scan(): Promise<void> {
    this.#scanning = this.#scanning.then(() => this.#scanOnce());
    return this.#scanning;
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
  }

  #schedule(): void {
    if (this.#closed || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      void this.scan();
    }, DEBOUNCE_MS);
    this.#debounce.unref();
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
    for (const file of files) await this.#applyFile(file);
  }

  async #applyFile(file: string): Promise<void> {
    let bytes: Buffer;
    try {
      // Never blocks (a FIFO here held the scan, and so every later file and shutdown, for ever) nor reads past
      // the cap, even for a file that grows after a size check.
      bytes = await readBoundedFile(file, MAX_POLICY_FILE_BYTES);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Vanished between readdir and read (a swap in progress): the next event scans again.
      if (code === "ENOENT") return;
      // Reported once, not on every rescan (every 2 s) while it stays.
      if (this.#seen.get(file) === `unreadable:${code}`) return;
      this.#seen.set(file, `unreadable:${code}`);
      if (code === "EFBIG") {
        const tooLarge = `The file is larger than ${MAX_POLICY_FILE_BYTES} bytes`;
        return this.#refuse(file, new PolicyError("REGISTRY_POLICY_LIMIT", tooLarge));
      }
      if (code === "EFTYPE") {
        const notFile = "The path is not a regular file (a FIFO, socket or device): put YAML or JSON files here";
        return this.#refuse(file, new PolicyError("REGISTRY_POLICY_INVALID", notFile));
      }
      return this.#refuse(file, error);
    }
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (this.#seen.get(file) === hash) return;
    this.#seen.set(file, hash);
    try {
      const { store } = this.#options;
      const text = decodePolicyText(bytes);
      const planned = planPolicies(parsePolicyText(text), (service) => store.get(service)?.policy ?? undefined);
      store.assertRoom([...planned.keys()]);
      const services: Record<string, number> = {};
      for (const [service, policy] of planned) services[service] = store.put(service, policy).record.revision;
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
