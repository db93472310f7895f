import { type Event, EventSource } from "@outrigger/core";
import Bottleneck from "bottleneck";

/** Settings of a queue-style throttle (bottleneck's, named as bottleneck names them). */
export interface ThrottleOptions {
  /** Least time between two job starts, ms. */
  readonly minTime?: number;
  readonly maxConcurrent?: number;
  /** Jobs allowed until the next refresh (a quota), and its refresh. */
  readonly reservoir?: number;
  readonly reservoirRefreshAmount?: number;
  readonly reservoirRefreshInterval?: number;
  /** Cluster mode: share the throttle among processes through Redis. All processes use the same `id`. */
  readonly redis?: { readonly host: string; readonly port: number; readonly id: string };
}

/** A queue-style throttle: jobs wait their turn instead of being refused. */
export interface Throttle {
  /** Queues `job`; it starts when minTime, maxConcurrent and the reservoir allow. */
  schedule<T>(job: () => Promise<T>): Promise<T>;
  /** Jobs left in the reservoir (null without one). */
  currentReservoir(): Promise<number | null>;
  /** The Redis datastore lost its state (Redis restarted) and the throttle re-initialised it. */
  readonly onRecovered: Event<{ readonly reason: string }>;
  /** Errors bottleneck reports in the background (heartbeats, Redis). */
  readonly onError: Event<Error>;
  close(): Promise<void>;
}

/**
 * Bottleneck's self-healing checks compare Redis error messages exactly (`e.message === "SETTINGS_KEY_NOT_FOUND"`),
 * but since Redis 7 a Lua `error_reply` arrives prefixed ("ERR SETTINGS_KEY_NOT_FOUND"), so after a Redis restart
 * bottleneck 2.19.5 fails every job instead of re-initialising. We match the suffix and rebuild the limiter.
 */
const LOST_STATE = /(?:^|\s)(SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/**
 * Queue-style throttling of outbound jobs to quota-bound APIs, on bottleneck (minTime, reservoirs, Redis cluster
 * mode). Not for the request path: every job costs bottleneck several timers (milliseconds, see the benchmark);
 * use `createRateLimiter` for admission checks there.
 */
export function createThrottle(options: ThrottleOptions): Throttle {
  const recovered = new EventSource<{ readonly reason: string }>();
  const errors = new EventSource<Error>();
  const { redis, ...settings } = options;
  const make = () => {
    const limiter = new Bottleneck({
      ...settings,
      ...(redis
        ? {
            id: redis.id,
            datastore: "ioredis",
            clientOptions: { host: redis.host, port: redis.port },
            clearDatastore: false,
          }
        : {}),
    });
    limiter.on("error", (error: Error) => errors.emit(error));
    return limiter;
  };
  let limiter = make();
  let rebuilding: Promise<void> | undefined;

  const rebuild = (reason: string, broken: Bottleneck) => {
    // Concurrent failures share one rebuild; a failure from an older limiter does not rebuild the new one.
    if (broken !== limiter) return rebuilding ?? Promise.resolve();
    rebuilding = (async () => {
      limiter = make();
      await broken.disconnect(false).catch(() => undefined);
      await limiter.ready();
      recovered.emit({ reason });
    })().finally(() => {
      rebuilding = undefined;
    });
    return rebuilding;
  };

  return {
    schedule: async <T>(job: () => Promise<T>): Promise<T> => {
      const current = limiter;
      try {
        return await current.schedule(job);
      } catch (error) {
        const match = LOST_STATE.exec((error as Error)?.message ?? "");
        if (!match) throw error;
        await rebuild(match[1] as string, current);
        return limiter.schedule(job);
      }
    },
    currentReservoir: () => limiter.currentReservoir(),
    onRecovered: recovered.event,
    onError: errors.event,
    close: () => limiter.disconnect(false),
  };
}
