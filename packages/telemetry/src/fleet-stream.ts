import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkNumber, monotonicClock } from "@outrigger/core";
import { TelemetryError, type TelemetryErrorCode } from "./errors.js";
import { type DestinationFigures, FleetFigures } from "./fleet-figures.js";
import { subscribeAll } from "./subscriptions.js";

/** The metadata key a process advertises its fleet stream under: `"<port>/<path>"`, e.g. `"8080/outrigger/fleet"`. */
export const FLEET_STREAM_METADATA = "outrigger.fleet-stream";
/** Where the stream is served by default. */
export const DEFAULT_FLEET_PATH = "/outrigger/fleet";

/** Options of `createFleetStream`. */
export interface FleetStreamOptions {
  /** The token a subscriber must present (`Authorization: Bearer …`): the registry's, when it has one. */
  readonly token?: string;
  /** The path `handle` answers (default `/outrigger/fleet`). */
  readonly path?: string;
  /**
   * Streams open at once (default 8: the registry and a few operators; Hystrix's stream servlet allows 5,
   * `hystrix.config.stream.maxConcurrentConnections`); more get 503 TELEMETRY_TOO_MANY_STREAMS.
   */
  readonly maxClients?: number;
  /** Unsent bytes a stream may hold before it is cut (default 64 KiB: a reader that far behind is gone). */
  readonly maxBufferedBytes?: number;
  /** Between two updates, in ms (default 1 000). */
  readonly intervalMs?: number;
  /** Retries the retry budget of a destination allows now (e.g. `(s) => budgets.balanceOf(s)`). */
  readonly budget?: (service: string) => number | undefined;
}

/** One update of the stream (each `data:` line is one of these, as JSON). */
export interface FleetUpdate {
  /** Wall-clock ms when it was made. */
  readonly at: number;
  readonly destinations: readonly DestinationFigures[];
}

/** A process's live per-destination figures, served as server-sent events. */
export interface FleetStream {
  /** The path `handle` answers. */
  readonly path: string;
  /** Streams open now. */
  readonly clients: number;
  /**
   * A node:http request listener: `GET <path>` opens a stream (`text/event-stream`, one `data:` line of JSON
   * `FleetUpdate` per interval, the first at once); 401 TELEMETRY_STREAM_UNAUTHORIZED without the token, 503
   * TELEMETRY_TOO_MANY_STREAMS past `maxClients`, 404 for another path, 405 for another method.
   */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** The update a new stream would get now. */
  snapshot(): FleetUpdate;
  /**
   * Reads retry-budget balances from `budget` from now on, in place of the `budget` option: `createOutrigger`
   * hands its per-service budgets to the stream it was given.
   */
  useBudget(budget: (service: string) => number | undefined): void;
  /** Ends every stream and stops listening to the channels. */
  close(): void;
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** The bearer token of `request`, if any. */
function bearer(request: IncomingMessage): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

function refuse(response: ServerResponse, status: number, code: TelemetryErrorCode, message: string): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ code, message }));
}

const option = (name: string, value: number | undefined, fallback: number, min: number): number =>
  checkNumber(
    name,
    value ?? fallback,
    { min, integer: true },
    (m) => new TelemetryError("TELEMETRY_INVALID_OPTION", m),
  );

/**
 * Serves this process's per-destination figures (calls/s, error %, p50/p99 over the last 10 s, breaker state,
 * ejected instances, retry-budget balance) as a live stream, the Hystrix event stream's role: the registry's
 * fleet page subscribes to every process that advertises one (`FLEET_STREAM_METADATA`). Listens to the same
 * `diagnostics_channel` messages as `instrumentOutrigger`; the timer runs only while a stream is open. The token
 * is compared in constant time and never logged. Throws TELEMETRY_INVALID_OPTION for a bad bound.
 */
export function createFleetStream(options: FleetStreamOptions = {}): FleetStream {
  const path = options.path ?? DEFAULT_FLEET_PATH;
  if (!path.startsWith("/"))
    throw new TelemetryError("TELEMETRY_INVALID_OPTION", `path must start with "/", got ${JSON.stringify(path)}`);
  const maxClients = option("maxClients", options.maxClients, 8, 1);
  const maxBuffered = option("maxBufferedBytes", options.maxBufferedBytes, 64 * 1024, 1024);
  const intervalMs = option("intervalMs", options.intervalMs, 1_000, 10);
  const expected = options.token ? digest(options.token) : undefined;
  const streams = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Immediate | undefined;
  let closed = false;
  // A breaker that opens is news: it goes out at once (one extra update however many transitions come together).
  const onBreaker = () => {
    if (streams.size > 0)
      soon ??= setImmediate(() => {
        soon = undefined;
        push();
      });
  };
  const figures = new FleetFigures(() => monotonicClock.now(), options.budget, onBreaker);
  const unsubscribe = subscribeAll(figures.listeners());

  const snapshot = (): FleetUpdate => ({ at: Date.now(), destinations: figures.snapshot() });
  function push(): void {
    const event = `data: ${JSON.stringify(snapshot())}\n\n`;
    for (const response of streams) {
      // A reader that does not keep up is cut, not buffered without end (it reconnects and starts afresh).
      if (response.writableLength > maxBuffered) response.destroy();
      else response.write(event);
    }
  }
  const drop = (response: ServerResponse) => {
    streams.delete(response);
    if (streams.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    path,
    get clients() {
      return streams.size;
    },
    handle(request, response) {
      if ((request.url ?? "/").split("?")[0] !== path) {
        response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: `Try ${path}` }));
        return;
      }
      if (request.method !== "GET") {
        response.writeHead(405, { allow: "GET" }).end();
        return;
      }
      const given = bearer(request);
      if (expected && (given === undefined || !timingSafeEqual(digest(given), expected))) {
        refuse(response, 401, "TELEMETRY_STREAM_UNAUTHORIZED", "Send the registry's token as Authorization: Bearer");
        return;
      }
      if (closed || streams.size >= maxClients) {
        refuse(response, 503, "TELEMETRY_TOO_MANY_STREAMS", `${maxClients} fleet streams are open: close one`);
        return;
      }
      streams.add(response);
      response.once("close", () => drop(response));
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(`data: ${JSON.stringify(snapshot())}\n\n`);
      timer ??= setInterval(push, intervalMs).unref();
    },
    snapshot,
    useBudget(budget) {
      figures.useBudget(budget);
    },
    close() {
      closed = true;
      unsubscribe();
      if (soon) clearImmediate(soon);
      for (const response of [...streams]) response.end();
      streams.clear();
      clearInterval(timer);
      timer = undefined;
    },
  };
}
