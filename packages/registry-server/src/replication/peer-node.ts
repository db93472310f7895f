import type { PeerStatus } from "../context.js";
import { endSend, traceSend } from "../registry-channels.js";
import {
  APP_INDEXES_FIELD,
  type AppIndexes,
  BATCH_PATH,
  INDEX_HEADER,
  type ReplicationAction,
  type ReplicationResult,
  type ReplicationTask,
  readAppIndexes,
} from "./task.js";

/** Settings of one peer's replication queue. */
export interface PeerNodeOptions {
  readonly token?: string;
  /** How long writes gather before a batch goes out; 5 ms keeps propagation fast yet batches bursts. */
  readonly batchDelayMs?: number;
  /** Eureka sends at most 250 tasks per batch. */
  readonly maxBatch?: number;
  /** Called with each task's answer, to re-register on 404 and adopt the peer's copy on 409. */
  readonly onResult?: (task: ReplicationTask, result: ReplicationResult) => void;
  readonly now?: () => number;
  /** This registry's index, sent with every batch (see `INDEX_HEADER`). */
  readonly index?: () => number;
  /** Called with the index a peer answered with, to merge it into ours. */
  readonly onIndex?: (index: number) => void;
  /** This registry's index of each of these applications, sent with a batch (see `AppIndexes`). */
  readonly appIndexes?: (apps: readonly string[]) => AppIndexes;
  /** Called with the peer's index of each application of a batch, to merge them into ours. */
  readonly onAppIndexes?: (indexes: AppIndexes) => void;
}

const DEFAULT_BATCH_DELAY_MS = 5;
const DEFAULT_MAX_BATCH = 250;
/** Retry backoff after a failed batch: doubles from 100 ms, capped at 5 s so a returning peer catches up soon. */
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 5_000;
/** A peer that does not answer a batch in 5 s is treated as down; the batch is retried. */
const REQUEST_TIMEOUT_MS = 5_000;

interface Queued {
  task: ReplicationTask;
  queuedAt: number;
}

/**
 * A task's queue slot: its action and instance, as Eureka's `PeerEurekaNode.taskId(requestType, appName, id)`
 * ("register#APP/id", "heartbeat#APP/id"). Keyed by instance alone, a Heartbeat queued while a Register was in flight
 * took its slot, and when that batch failed the Register (a status override or metadata change) was lost: the peer
 * answered the Heartbeat 200 and kept the old status (Netflix/eureka#908).
 */
function slot(action: ReplicationAction, task: ReplicationTask): string {
  return `${action}#${task.appName}/${task.id}`;
}

/**
 * Pending tasks of the same instance a newer task makes moot: a Register renews the lease on the peer as a Heartbeat
 * does, and a Cancel ends it whatever came before.
 */
const MOOTED: Partial<Record<ReplicationAction, readonly ReplicationAction[]>> = {
  Register: ["Heartbeat"],
  Cancel: ["Register", "Heartbeat"],
};

/**
 * The same rule seen from a heartbeat: one queued while a Register or Cancel of its instance is pending adds nothing.
 * A Register behind a pending Cancel is kept: it is a re-registration.
 */
const COVERING_HEARTBEAT: readonly ReplicationAction[] = ["Register", "Cancel"];

/**
 * The replication queue of one peer: one slot per action and instance, so a burst of heartbeats collapses into one
 * and a newer write supersedes an older one of the same action, sent in batches to Eureka's batch endpoint, and
 * retried with backoff until the peer takes them.
 */
export class PeerNode {
  readonly url: string;
  readonly #options: PeerNodeOptions;
  readonly #queue = new Map<string, Queued>();
  /** Applications whose index changed here without a task to carry it (an eviction): sent with the next batch. */
  readonly #announced = new Set<string>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  /** The batch being sent: still pending until the peer takes it (a status read mid-retry must not show 0). */
  #sending: readonly Queued[] = [];
  #attempt = 0;
  #sent = 0;
  #failures = 0;
  #lastSuccessAt: number | undefined;
  #lastError: string | undefined;
  #closed = false;

  constructor(url: string, options: PeerNodeOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Queues a task. It replaces a pending one of the same action and instance and goes behind every task queued
   * before it, being the instance's newest write (a Register re-sent after a failure and followed by a Cancel must
   * not jump back ahead of that Cancel). A heartbeat is moot while a register or cancel of the instance is pending.
   */
  enqueue(task: ReplicationTask): void {
    if (this.#closed) return;
    if (task.action === "Heartbeat" && COVERING_HEARTBEAT.some((action) => this.#queue.has(slot(action, task)))) return;
    let queuedAt = this.#now();
    for (const action of [task.action, ...(MOOTED[task.action] ?? [])]) {
      const pending = this.#queue.get(slot(action, task));
      if (!pending) continue;
      queuedAt = Math.min(queuedAt, pending.queuedAt);
      this.#queue.delete(slot(action, task));
    }
    this.#queue.set(slot(task.action, task), { task, queuedAt });
    this.#schedule(this.#options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
  }

  /**
   * Sends this registry's index of `app` with the next batch (alone if no task is queued): for changes each peer
   * makes for itself, such as evictions, which no task carries but which each peer numbers differently.
   */
  announce(app: string): void {
    if (this.#closed) return;
    this.#announced.add(app.toUpperCase());
    this.#schedule(this.#options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS);
  }

  /** Replication health. */
  status(): PeerStatus {
    let oldest = Number.POSITIVE_INFINITY;
    for (const { queuedAt } of [...this.#queue.values(), ...this.#sending]) oldest = Math.min(oldest, queuedAt);
    const pending = this.#queue.size + this.#sending.length;
    return {
      url: this.url,
      pending,
      sent: this.#sent,
      failures: this.#failures,
      lagMs: pending > 0 ? this.#now() - oldest : 0,
      lastSuccessAt: this.#lastSuccessAt,
      lastError: this.#lastError,
      healthy: this.#attempt === 0,
    };
  }

  /** Stops sending; queued tasks are dropped. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#inFlight || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, delayMs);
    this.#timer.unref();
  }

  async #flush(): Promise<void> {
    if ((this.#queue.size === 0 && this.#announced.size === 0) || this.#closed) return;
    const batch = [...this.#queue.entries()].slice(0, this.#options.maxBatch ?? DEFAULT_MAX_BATCH);
    for (const [key] of batch) this.#queue.delete(key);
    const announced = [...this.#announced];
    this.#announced.clear();
    this.#inFlight = true;
    this.#sending = batch.map(([, queued]) => queued);
    try {
      const results = await this.#send(
        batch.map(([, q]) => q.task),
        announced,
      );
      this.#attempt = 0;
      this.#sent += batch.length;
      this.#lastSuccessAt = this.#now();
      this.#lastError = undefined;
      for (const [i, [, q]] of batch.entries()) {
        try {
          this.#options.onResult?.(q.task, results[i] ?? { statusCode: 500 });
        } catch {
          // The peer took the batch: one answer this side cannot act on must not re-send all of it.
        }
      }
    } catch (error) {
      this.#failures += 1;
      this.#attempt += 1;
      this.#lastError = (error as Error).message;
      // Eureka's AcceptorExecutor.drainReprocessQueue: the batch goes back in front of the writes made while it was
      // in flight (so a Register still precedes a Heartbeat or Cancel queued after it), each task unless a newer
      // one of the same action and instance is pending. A task of another action never drops it.
      const meanwhile = new Map(this.#queue);
      this.#queue.clear();
      for (const [key, queued] of batch) if (!meanwhile.has(key)) this.#queue.set(key, queued);
      for (const [key, queued] of meanwhile) this.#queue.set(key, queued);
      for (const app of announced) this.#announced.add(app);
    } finally {
      this.#inFlight = false;
      this.#sending = [];
    }
    if (this.#queue.size > 0 || this.#announced.size > 0) {
      const backoff = this.#attempt === 0 ? 0 : Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (this.#attempt - 1));
      this.#schedule(backoff);
    }
  }

  async #send(tasks: readonly ReplicationTask[], announced: readonly string[]): Promise<ReplicationResult[]> {
    const apps = [...new Set([...tasks.map((task) => task.appName.toUpperCase()), ...announced])];
    const appIndexes = this.#options.appIndexes?.(apps);
    const send = traceSend(this.url, tasks.length);
    try {
      const results = await this.#post(tasks, appIndexes, send?.headers);
      endSend(send, 200, undefined);
      return results;
    } catch (error) {
      endSend(send, (error as { status?: number }).status, error);
      throw error;
    }
  }

  async #post(
    tasks: readonly ReplicationTask[],
    appIndexes: AppIndexes | undefined,
    traceHeaders: Record<string, string> | undefined,
  ): Promise<ReplicationResult[]> {
    const response = await fetch(`${this.url}${BATCH_PATH}`, {
      method: "POST",
      headers: {
        ...traceHeaders,
        "content-type": "application/json",
        accept: "application/json",
        "x-netflix-discovery-replication": "true",
        ...(this.#options.index ? { [INDEX_HEADER]: String(this.#options.index()) } : {}),
        ...(this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {}),
      },
      body: JSON.stringify({
        replicationList: tasks,
        ...(appIndexes ? { [APP_INDEXES_FIELD]: appIndexes } : {}),
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw Object.assign(new Error(`peer answered ${response.status}`), { status: response.status });
    const index = Number(response.headers.get(INDEX_HEADER));
    if (Number.isSafeInteger(index) && index > 0) this.#options.onIndex?.(index);
    const body = (await response.json()) as { responseList?: ReplicationResult[] };
    this.#options.onAppIndexes?.(readAppIndexes(body));
    return body.responseList ?? [];
  }
}
