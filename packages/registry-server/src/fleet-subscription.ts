import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";

/** Bounds of one process's subscription; every wait ends. */
export interface SubscriptionLimits {
  /** Until the answer's head arrives, in ms. */
  readonly connectTimeoutMs: number;
  /** Longest silence on an open stream (it sends every second), in ms, before it is dropped and retried. */
  readonly idleTimeoutMs: number;
  /** Longest `data:` line accepted, in bytes; a longer one drops the stream (a hostile process cannot grow us). */
  readonly maxLineBytes: number;
  /** First wait before a reconnect, doubled up to `maxBackoffMs` while it keeps failing. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Defaults: a process answers within 2 s, speaks every second, and sends far less than 256 KiB per update. */
export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  connectTimeoutMs: 2_000,
  idleTimeoutMs: 5_000,
  maxLineBytes: 256 * 1024,
  backoffMs: 500,
  maxBackoffMs: 30_000,
};

/** Why a subscription is not live: a code from ERRORS.md and what happened (never the token). */
export interface SubscriptionError {
  readonly code: "REGISTRY_FLEET_UNREACHABLE" | "REGISTRY_FLEET_BAD_STREAM";
  readonly message: string;
}

/**
 * One process's fleet stream, followed by the registry: connects with the token as a bearer, keeps the last update
 * it parsed (`latest`, with its arrival time), and on any failure (refused, timeout, silence, a status other than
 * 200, an oversized line, bad JSON) drops the connection and retries after a backoff. `close()` stops it for good.
 */
export class FleetSubscription {
  readonly url: string;
  #latest: { readonly update: unknown; readonly at: number } | undefined;
  #error: SubscriptionError | undefined;
  #request: ClientRequest | undefined;
  #retry: NodeJS.Timeout | undefined;
  #backoff: number;
  #closed = false;
  readonly #token: string | undefined;
  readonly #limits: SubscriptionLimits;
  readonly #now: () => number;

  constructor(url: string, token: string | undefined, limits: SubscriptionLimits, now: () => number) {
    this.url = url;
    this.#token = token;
    this.#limits = limits;
    this.#backoff = limits.backoffMs;
    this.#now = now;
    this.#connect();
  }

  /** The last update parsed and when it arrived (registry clock ms). */
  get latest(): { readonly update: unknown; readonly at: number } | undefined {
    return this.#latest;
  }

  /** Why the last connection failed, until an update arrives again. */
  get error(): SubscriptionError | undefined {
    return this.#error;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#request?.destroy();
  }

  #connect(): void {
    if (this.#closed) return;
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const req = httpRequest(this.url, { headers, timeout: this.#limits.connectTimeoutMs });
    this.#request = req;
    let failed = false;
    const fail = (error: SubscriptionError) => {
      if (failed) return;
      failed = true;
      this.#error = error;
      req.destroy();
      this.#scheduleRetry();
    };
    const unreachable = (message: string) => fail({ code: "REGISTRY_FLEET_UNREACHABLE", message });
    let streaming = false;
    req.on("timeout", () =>
      unreachable(
        streaming
          ? `silent for ${this.#limits.idleTimeoutMs} ms`
          : `no answer within ${this.#limits.connectTimeoutMs} ms`,
      ),
    );
    req.on("error", (error: NodeJS.ErrnoException) => unreachable(error.code ?? "connection failed"));
    req.on("close", () => unreachable("the stream ended"));
    req.on("response", (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        unreachable(`answered ${res.statusCode}${res.statusCode === 401 ? " (the registry's token is refused)" : ""}`);
        return;
      }
      streaming = true;
      req.setTimeout(this.#limits.idleTimeoutMs);
      this.#read(res, (message) => fail({ code: "REGISTRY_FLEET_BAD_STREAM", message }));
    });
    req.end();
  }

  /** Parses `data:` lines as they come, each bounded by `maxLineBytes`. */
  #read(res: IncomingMessage, bad: (message: string) => void): void {
    let pending = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      pending += chunk;
      let end = pending.indexOf("\n");
      while (end >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (line.startsWith("data:") && !this.#accept(line.slice(5))) return bad("an update is not JSON");
        end = pending.indexOf("\n");
      }
      if (Buffer.byteLength(pending) > this.#limits.maxLineBytes)
        bad(`a line passed ${this.#limits.maxLineBytes} bytes`);
    });
  }

  #accept(json: string): boolean {
    try {
      this.#latest = { update: JSON.parse(json), at: this.#now() };
    } catch {
      return false;
    }
    this.#error = undefined;
    this.#backoff = this.#limits.backoffMs;
    return true;
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    // Half fixed, half random ("equal jitter"), so processes that failed together do not reconnect in step.
    const wait = Math.round(this.#backoff / 2 + (Math.random() * this.#backoff) / 2);
    this.#backoff = Math.min(this.#backoff * 2, this.#limits.maxBackoffMs);
    this.#retry = setTimeout(() => this.#connect(), wait).unref();
  }
}
