import { EventSource } from "@outrigger/core";
import type Consul from "consul";
import { CachedInstancer } from "./cached-instancer.js";
import { type ConsulAddress, consulClient, releaseClient } from "./consul-client.js";
import { fromConsulError, parseConsulHealth } from "./consul-wire.js";
import { checkName, checkOption, DiscoveryError } from "./errors.js";
import type { InstanceCacheOptions } from "./instance-cache.js";
import { RestartGrace } from "./restart-grace.js";

/** Settings of a Consul instancer. */
export interface ConsulInstancerOptions extends InstanceCacheOptions {
  /** The agent to ask (default 127.0.0.1:8500), or a `consul` client you configured yourself. */
  readonly consul?: ConsulAddress | Consul;
  readonly service: string;
  /** Only instances with this tag (Consul filters server-side). */
  readonly tag?: string;
  /** How long Consul may hold each blocking query (default "30s"). */
  readonly wait?: string;
  /** First backoff step after an error, doubled per attempt (default 100 ms, the `consul` package's). */
  readonly backoffFactorMs?: number;
  /** Largest backoff (default 30 s). */
  readonly backoffMaxMs?: number;
  /**
   * Least time between the starts of two blocking queries (default 100 ms, consul-template's rate limit since
   * hashicorp/consul-template#1279). The `consul` watch sends the next query the moment an answer arrives; an agent
   * (or a proxy before it) that answers without blocking — "the return of a blocking request is no guarantee of a
   * change", and hashicorp/consul#1244, #3890 — otherwise drives a loop of thousands of requests a second.
   */
  readonly minQueryIntervalMs?: number;
  /**
   * After the index went backwards, an agent that restarted without its state is empty until every registrar has
   * registered again (up to one pass interval). For this long the instances known before are kept beside the ones
   * that are back, so callers never see the fleet shrink. Default 30 s; 0 turns it off.
   */
  readonly restartGraceMs?: number;
}

/**
 * One service's passing instances from Consul (`health.service` with `passing`), kept current by a blocking-query
 * watch from the `consul` package: it sends the last `X-Consul-Index`, starts over when the index goes backwards
 * (a Consul restart or snapshot restore; see `restartGraceMs`), and backs off exponentially on errors; queries start
 * at least `minQueryIntervalMs` apart. The last good set keeps serving.
 *
 * The watch never stops for good, as Consul's own (`api/watch/plan.go`: every error backs off and retries; only
 * `Stop()` ends it). The `consul` package ends its watch after a `400` or an answer without `X-Consul-Index`
 * (silas/node-consul#155: a proxy in front of the agent, and the instances froze until a restart); the instancer
 * then starts a new one after the same backoff, and reports each failure through `onError`/`failure()`.
 */
export class ConsulInstancer extends CachedInstancer {
  #watch: ReturnType<Consul["watch"]> | undefined;
  readonly #client: Consul;
  readonly #release: () => void;
  readonly #grace: RestartGrace;
  readonly #resets = new EventSource<{ from: number; to: number }>();
  readonly #method: Query;
  readonly #query: Record<string, string>;
  readonly #backoffFactorMs: number;
  readonly #backoffMaxMs: number;
  /** Watches ended by the `consul` package in a row, without an answer between them. */
  #ends = 0;
  #restart: ReturnType<typeof setTimeout> | undefined;
  /** The index of the last answer, to notice that it went backwards (the `consul` watch resets silently). */
  #lastIndex = 0;
  #closed = false;
  /** Fires when Consul's index went backwards (a restart or snapshot restore) and the watch started over. */
  readonly onReset = this.#resets.event;

  constructor(options: ConsulInstancerOptions) {
    checkName("service", options.service);
    const gapMs = checkOption("minQueryIntervalMs", options.minQueryIntervalMs ?? 100, { min: 0, max: 60_000 });
    super(options);
    this.#grace = new RestartGrace(options.restartGraceMs ?? 30_000, (instances) => this.cache.update(instances));
    const client = consulClient(options.consul);
    this.#client = client;
    this.#release = () => releaseClient(options.consul, client);
    this.#query = { service: options.service, passing: "true", wait: options.wait ?? "30s" };
    if (options.tag) this.#query.tag = options.tag;
    this.#method = spaced(client.health.service as unknown as Query, gapMs, () => !this.#closed);
    this.#backoffFactorMs = options.backoffFactorMs ?? 100;
    this.#backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.#start();
  }

  #start(): void {
    this.#restart = undefined;
    if (this.#closed) return;
    const watch = this.#client.watch({
      method: this.#method,
      options: { ...this.#query },
      backoffFactor: this.#backoffFactorMs,
      backoffMax: this.#backoffMaxMs,
    });
    this.#watch = watch;
    watch.on("change", (data: unknown, response?: { headers?: Record<string, unknown> }) => {
      this.#ends = 0;
      this.#answered(data, response);
    });
    watch.on("error", (error: unknown, response?: { statusCode?: number }) =>
      this.cache.fail(consulWatchError(error, response)),
    );
    watch.on("end", () => {
      if (this.#closed || watch !== this.#watch) return;
      // The same schedule as the package's own backoff: factor · 2^n, at most the maximum.
      this.#ends += 1;
      const delay = Math.min(this.#backoffMaxMs, this.#backoffFactorMs * 2 ** Math.min(this.#ends, 30));
      this.#restart = setTimeout(() => this.#start(), delay);
      this.#restart.unref();
    });
  }

  #answered(data: unknown, response?: { headers?: Record<string, unknown> }): void {
    try {
      const instances = parseConsulHealth(data);
      const index = Number(response?.headers?.["x-consul-index"]);
      if (Number.isSafeInteger(index)) {
        if (index < this.#lastIndex) {
          this.#grace.restarted();
          this.#resets.emit({ from: this.#lastIndex, to: index });
        }
        this.#lastIndex = index;
      }
      this.cache.update(this.#grace.apply(instances));
    } catch (error) {
      this.cache.fail(error as Error);
    }
  }

  override close(): void {
    this.#closed = true;
    clearTimeout(this.#restart);
    this.#watch?.end();
    this.#release();
    this.#grace.close();
    super.close();
  }
}

/**
 * What a failed query tells the caller. A 2xx answer fails only for its index: missing ("Watch not supported" in the
 * package; Consul's Go client: "Failed to parse X-Consul-Index") or 0, which only something between the client and
 * the agent produces.
 */
function consulWatchError(error: unknown, response?: { statusCode?: number }): Error {
  const status = (error as { response?: { statusCode?: number } })?.response?.statusCode ?? response?.statusCode;
  if (status !== undefined && status >= 200 && status < 300) {
    return new DiscoveryError(
      "DISCOVERY_BAD_RESPONSE",
      `Consul's ${status} answer to health.service had no usable X-Consul-Index (missing or 0): point the client ` +
        "at the agent itself, or make the proxy before it pass the header",
      { cause: error },
    );
  }
  return fromConsulError(error, "health.service", status);
}

/** A query the watch may call: `consul`'s methods read their client from `this`. */
type Query = (this: unknown, options: Record<string, unknown>) => Promise<unknown>;

/**
 * `query`, started at least `gapMs` after its previous start: the first at once, the next after what is left of the
 * gap (an unref'd timer: a pending wait never holds the process open). A call whose wait ends after `open()` turned
 * false is not sent; it rejects, which the ended watch ignores.
 */
function spaced(query: Query, gapMs: number, open: () => boolean): Query {
  let nextStart = 0;
  return function (this: unknown, options) {
    const now = performance.now();
    const wait = nextStart - now;
    nextStart = Math.max(now, nextStart) + gapMs;
    if (wait <= 0) return query.call(this, options);
    return new Promise<void>((resolve) => setTimeout(resolve, wait).unref()).then(() => {
      if (!open()) throw new Error("the instancer was closed");
      return query.call(this, options);
    });
  };
}
