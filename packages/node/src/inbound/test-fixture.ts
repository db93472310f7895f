import { once } from "node:events";
import http, { type Agent, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { InboundEvent } from "./options.js";

/** Requests parked by a test until it lets them go; `arrived(n)` resolves once n have reached the handler. */
export class Held {
  readonly #parked: Array<() => void> = [];
  readonly #waiters: Array<{ n: number; resolve: () => void }> = [];
  #arrivals = 0;

  /** Parks the caller until `release`; call it from a handler. */
  park(): Promise<void> {
    this.#arrivals++;
    const parked = new Promise<void>((resolve) => this.#parked.push(resolve));
    for (const waiter of this.#waiters.filter((w) => w.n <= this.#arrivals)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return parked;
  }

  /** Resolves when `n` requests have arrived in total. */
  arrived(n: number): Promise<void> {
    if (this.#arrivals >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  /** Lets every parked request go on. */
  release(): void {
    for (const resume of this.#parked.splice(0)) resume();
  }
}

/** Collects events and lets a test wait for one that matches. */
export class Events {
  readonly seen: InboundEvent[] = [];
  readonly #waiters: Array<{ match: (e: InboundEvent) => boolean; resolve: (e: InboundEvent) => void }> = [];
  readonly listener = (event: InboundEvent): void => {
    this.seen.push(event);
    for (const waiter of this.#waiters.filter((w) => w.match(event))) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  /** The first event matching `match`, seen already (from index `from`) or still to come. */
  next(match: (e: InboundEvent) => boolean, from = 0): Promise<InboundEvent> {
    const earlier = this.seen.slice(from).find(match);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  count(type: InboundEvent["type"]): number {
    return this.seen.filter((e) => e.type === type).length;
  }
}

/** Starts `server` on a free loopback port and returns the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Closes `server`, cutting whatever connections are left (end of a test). */
export async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A finished response as a test reads it. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request over node:http (optionally on a keep-alive `agent`); rejects on a connection error. */
export function get(
  port: number,
  path = "/",
  options: { agent?: Agent; method?: string; body?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const { agent, headers } = options;
    const req = http.request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", agent, headers });
    req.on("error", reject);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.end(options.body);
  });
}

/** A fake monotonic clock a test moves by hand. */
export function fakeClock(start = 1_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
