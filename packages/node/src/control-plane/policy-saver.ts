import type { PolicyUpdate } from "@outrigger/policy";
import { OutriggerNodeError } from "../errors.js";
import type { ControlPlaneHost } from "./control-plane-options.js";
import { writePolicyFile } from "./policy-file.js";

/**
 * Default wait between a revision's apply and its save (ms). The file is only what a restart falls back to while
 * the registry is down, and the registry sends the revision again to a process that restarts: losing the last
 * second's revisions to a crash costs nothing, writing each of a burst's revisions costs an fsync each. Envoy's
 * xDS delegate stores resources the same way (contrib/xds/source/kv_store_xds_delegate.h: no storage I/O on the
 * apply path; source/common/common/key_value_store_base.cc: `addOrUpdate` only updates memory, a timer of
 * `flush_interval` writes the file). Consul weighed the same cost for state it writes often: the agent's check state
 * is not fsynced because it "happens a lot more frequently" (hashicorp/consul#2480); here every write stays fsynced,
 * and there are few of them.
 */
export const DEFAULT_SAVE_DELAY_MS = 1_000;
/** After a failed write, the next try waits the delay (at least this long), doubling per failure up to the cap. */
const MIN_RETRY_MS = 1_000;
/** The backoff's cap before the stagger: a failing disk is tried again, and reported again, at most every 30–60 s. */
const MAX_RETRY_MS = 30_000;

/**
 * The wait before a write: `ms` plus a stagger drawn anew each time, uniform in [0, `ms`) — Consul's rule for the
 * agent's periodic anti-entropy sync and its retry (agent/ae/ae.go: `s.Interval + s.Delayer.Jitter(s.Interval)`,
 * the jitter `lib.RandomStagger`, uniform below its argument). A fleet gets each revision at the same instant; with
 * one fixed delay every process would write and fsync in the same millisecond, a burst that lands on whatever
 * runs then (bench:policy-push: the p99 of a later apply). Staggered, the fleet's writes spread over the delay.
 */
function staggered(ms: number, random: () => number): number {
  return ms + Math.floor(random() * ms);
}

/** What the saver needs: where, how long to wait, where failures go; `write` is `writePolicyFile` unless given. */
export interface PolicySaverOptions {
  readonly dir: string;
  /**
   * How long after the first unsaved revision the write starts at least (ms; 0: on the next turn of the event
   * loop); a stagger below it is added (`staggered`), so at most twice this.
   */
  readonly delayMs: number;
  /** A write that failed or did not finish at `close` (the revision keeps running; a failed one is tried again). */
  readonly failed: (update: PolicyUpdate, error: Error) => void;
  /**
   * Draws each wait's stagger, in [0, 1) (default `Math.random`; a test gives its own). Not the control plane's
   * seeded draw: processes given the same seed would stagger alike, in step again.
   */
  readonly random?: () => number;
  readonly write?: (dir: string, update: PolicyUpdate) => Promise<void>;
}

/**
 * Saves each service's last applied revision in the state directory, off the apply path: a revision is live and
 * ACKed first; `delayMs` plus a random stagger below `delayMs` (`staggered`: a fleet's writes spread over the delay
 * instead of meeting) after the first revision not yet saved, each service's newest revision is written (those it
 * superseded never are), one write at a time for the whole process, each atomic (`writePolicyFile`). Revisions that
 * come while a write is in flight wait for the next delay, so a burst of revisions costs a few writes, not one each.
 * A failed write is reported and tried again after a (staggered) backoff, unless a newer revision replaced it. `close()` writes
 * what is pending at once (bounded), so a clean shutdown never loses the revision it ran. Owns a timer (unref'd).
 */
export class PolicySaver {
  readonly #options: PolicySaverOptions;
  readonly #write: (dir: string, update: PolicyUpdate) => Promise<void>;
  readonly #random: () => number;
  /** Per service, the newest revision not yet being written. */
  readonly #pending = new Map<string, PolicyUpdate>();
  /** The revisions being written now. */
  readonly #inFlight = new Set<PolicyUpdate>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** Writes that failed in a row: the next try backs off by this many doublings. */
  #failures = 0;
  #closed = false;

  constructor(options: PolicySaverOptions) {
    this.#options = options;
    this.#write = options.write ?? writePolicyFile;
    this.#random = options.random ?? Math.random;
  }

  /** Saves `update` (the service's newest revision) within twice the delay, after the turn that applied and ACKed it. */
  save(update: PolicyUpdate): void {
    if (this.#closed) return;
    this.#pending.set(update.service, update);
    this.#schedule(this.#options.delayMs);
  }

  /** Writes every revision given to `save` so far now; resolves once each was written or failed once. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#writing) await this.#writing;
    if (this.#pending.size === 0) return;
    this.#writing = this.#drain();
    await this.#writing;
  }

  /**
   * Takes no more revisions and writes the pending ones at once, waiting at most `timeoutMs`: what is not written
   * by then goes to `failed` (an atomic write cut short leaves the previous file whole).
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
      timer.unref();
    });
    const late = await Promise.race([this.flush().then(() => false), timedOut]);
    clearTimeout(timer);
    if (!late) return;
    const error = new Error(`not written within ${timeoutMs} ms of close`);
    for (const update of [...this.#inFlight, ...this.#pending.values()]) this.#report(update, error);
  }

  /** Hands a failure on; a reporter that throws (a logger) must not stop the saver or reject from its timer. */
  #report(update: PolicyUpdate, error: Error): void {
    try {
      this.#options.failed(update, error);
    } catch {
      // Nothing better to do with it: the failure itself was reported as far as the reporter got.
    }
  }

  #schedule(ms: number): void {
    // A write in flight schedules what came meanwhile when it ends; a timer set already covers it.
    if (this.#timer || this.#writing || this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#writing = this.#drain();
      },
      staggered(ms, this.#random),
    );
    this.#timer.unref();
  }

  /** Writes the revisions pending now, one at a time; then schedules what came meanwhile, or a retry. */
  async #drain(): Promise<void> {
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    let failed = false;
    for (const update of batch) {
      this.#inFlight.add(update);
      try {
        await this.#write(this.#options.dir, update);
      } catch (error) {
        failed = true;
        // Kept for the next try, unless a newer revision of the service came meanwhile (that one is written).
        if (!this.#pending.has(update.service)) this.#pending.set(update.service, update);
        this.#report(update, error as Error);
      } finally {
        this.#inFlight.delete(update);
      }
    }
    this.#failures = failed ? this.#failures + 1 : 0;
    this.#writing = undefined;
    if (this.#pending.size === 0) return;
    const retryMs = Math.max(this.#options.delayMs, MIN_RETRY_MS) * 2 ** (this.#failures - 1);
    this.#schedule(failed ? Math.min(retryMs, MAX_RETRY_MS) : this.#options.delayMs);
  }
}

/**
 * The saver of the control plane's revisions in `dir` (undefined: none), saving `delayMs` after a change; a save
 * that fails goes to `host.report` (OUTRIGGER_POLICY_SAVE_FAILED) and is tried again.
 */
export function savingTo(
  dir: string | undefined,
  delayMs: number,
  host: Pick<ControlPlaneHost, "report">,
): PolicySaver | undefined {
  if (dir === undefined) return undefined;
  return new PolicySaver({
    dir,
    delayMs,
    failed: (update, error) =>
      host.report(
        new OutriggerNodeError(
          "OUTRIGGER_POLICY_SAVE_FAILED",
          `Policy revision ${update.revision} of "${update.service}" runs but was not saved in ${dir} (${error.message}): it is tried again; check the directory's permissions and free space. A restart while the registry is down starts from the revision saved before.`,
          { cause: error },
        ),
      ),
  });
}
