import type { PeerStatus } from "../context.js";
import { endSend, traceSend } from "../registry-channels.js";
import {
  APP_INDEXES_FIELD,
  type AppIndexes,
  BATCH_PATH,
  INDEX_HEADER,
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
 * The replication queue of one peer: tasks are keyed by instance so a burst of heartbeats collapses into one,
 * sent in batches to Eureka's batch endpoint, and retried with backoff until the peer takes them.
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

  /** Queues a task; a heartbeat never replaces a pending register or cancel of the same instance. */
  enqueue(task: ReplicationTask): void {
    if (this.#closed) return;
    const key = `${task.appName}/${task.id}`;
    const pending = this.#queue.get(key);
    if (pending && task.action === "Heartbeat" && pending.task.action !== "Heartbeat") return;
    this.#queue.set(key, { task, queuedAt: pending?.queuedAt ?? this.#now() });
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
      // Put the batch back unless a newer task for the same instance arrived meanwhile.
      for (const [key, queued] of batch) if (!this.#queue.has(key)) this.#queue.set(key, queued);
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
