import { setImmediate } from "node:timers/promises";
import type { PolicyUpdate } from "@outrigger/policy";
import { writePolicyFile } from "./policy-file.js";

/**
 * Saves each service's last applied revision in the state directory, off the apply path: a revision is live and
 * ACKed first, then saved — the file is only what a restart falls back to while the registry is down, so a crash
 * in between loses nothing the registry will not send again. One write at a time for the whole process, each
 * service's newest revision only (revisions that came meanwhile are skipped, never written after a newer one), each
 * atomic (`writePolicyFile`). Nothing to close: a pending write finishes on its own.
 */
export class PolicySaver {
  readonly #dir: string;
  readonly #failed: (update: PolicyUpdate, error: Error) => void;
  /** Per service, the newest revision not yet being written. */
  readonly #pending = new Map<string, PolicyUpdate>();
  #writing: Promise<void> | undefined;

  /** Saves into `dir`; a write that fails is passed to `failed` (the revision keeps running). */
  constructor(dir: string, failed: (update: PolicyUpdate, error: Error) => void) {
    this.#dir = dir;
    this.#failed = failed;
  }

  /** Saves `update` after the current turn of the event loop, the one that applied it and started its ACK. */
  save(update: PolicyUpdate): void {
    this.#pending.set(update.service, update);
    this.#writing ??= this.#drain();
  }

  /** Resolves once every revision given to `save` so far is written (or failed). */
  flush(): Promise<void> {
    return this.#writing ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    // Not in the turn that applied the revision: its ACK and the other work of that turn go first.
    await setImmediate();
    for (let next = this.#first(); next; next = this.#first()) {
      this.#pending.delete(next.service);
      try {
        await writePolicyFile(this.#dir, next);
      } catch (error) {
        this.#failed(next, error as Error);
      }
    }
    this.#writing = undefined;
  }

  #first(): PolicyUpdate | undefined {
    return this.#pending.values().next().value;
  }
}
