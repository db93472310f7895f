import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceInstance } from "@outrigger/discovery";
import { InstanceStats } from "./instance-stats.js";
import type { RuleContext } from "./rule.js";

/** An instance for tests (not exported from the package). */
export const instance = (id: string, status: ServiceInstance["status"] = "UP", port = 1): ServiceInstance => ({
  id,
  service: "svc",
  host: "127.0.0.1",
  port,
  secure: false,
  status,
  metadata: {},
});

/** Answers with the server's name and the request path, as JSON. */
export function answerName(name: string, request: IncomingMessage, response: ServerResponse, status = 200): void {
  response.statusCode = status;
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ from: name, path: request.url }));
}

/** A real HTTP server on loopback answering with its own name; resolves with its port once listening. */
export async function namedServer(
  name: string,
  handler: (request: IncomingMessage, response: ServerResponse) => void = (q, r) => answerName(name, q, r),
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A loopback port with nothing listening on it: connections are refused. */
export async function deadPort(): Promise<number> {
  const { server, port } = await namedServer("gone");
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A zoned instance for tests. */
export const zoned = (id: string, zone: string): ServiceInstance => ({ ...instance(id), zone });

/**
 * A rule context over fresh stats for `instances` (present from the start: no slow start), at time `now`. Tests
 * change state through `mut(id)` (the mutable stats) and `ejected` (ids the detector would keep out).
 */
export function ruleContext(
  instances: readonly ServiceInstance[],
  options: { now?: number; key?: string; added?: Record<string, number>; retry?: boolean } = {},
): RuleContext & {
  table: Map<string, InstanceStats>;
  ejected: Set<string>;
  mut(id: string): InstanceStats;
  at(now: number, key?: string): RuleContext;
} {
  const table = new Map<string, InstanceStats>();
  for (const i of instances) {
    table.set(i.id, new InstanceStats(options.added?.[i.id] ?? Number.NEGATIVE_INFINITY, 0));
  }
  const ejected = new Set<string>();
  const mut = (id: string): InstanceStats => table.get(id) as InstanceStats;
  const make = (now: number, key?: string): RuleContext => ({
    now,
    stats: mut,
    isEjected: (id) => ejected.has(id),
    all: instances,
    retry: options.retry ?? false,
    ...(key !== undefined ? { key } : {}),
  });
  return Object.assign(make(options.now ?? 0, options.key), { table, ejected, mut, at: make });
}

/** Counts how often each id is chosen in `n` picks. */
export function tally(n: number, choose: (i: number) => ServiceInstance): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = choose(i).id;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Real servers on loopback, one per name, counting the requests each receives; `answer` replies (default 200). */
export async function countingServers(
  names: readonly string[],
  answer: (name: string, request: IncomingMessage, response: ServerResponse) => void = (n, q, r) => answerName(n, q, r),
): Promise<{ ports: Record<string, number>; arrivals: Record<string, number>; reset(): void; close(): void }> {
  const ports: Record<string, number> = {};
  const arrivals: Record<string, number> = {};
  const servers: Server[] = [];
  for (const name of names) {
    arrivals[name] = 0;
    const s = await namedServer(name, (q, r) => {
      arrivals[name] = (arrivals[name] ?? 0) + 1;
      answer(name, q, r);
    });
    servers.push(s.server);
    ports[name] = s.port;
  }
  return {
    ports,
    arrivals,
    reset: () => {
      for (const name of names) arrivals[name] = 0;
    },
    close: () => {
      for (const s of servers) s.close();
    },
  };
}

/**
 * Writes `size` bytes to `response` (its headers already set) as fast as its client reads them, 64 KiB at a time;
 * `stalled()` when a write must wait for the client (its socket buffers are full) and once the body is written.
 */
export function writeAsRead(response: ServerResponse, size: number, stalled: () => void = () => undefined): void {
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      sent += chunk.length;
      if (!response.write(chunk)) {
        stalled();
        response.once("drain", pump);
        return;
      }
    }
    response.end();
    stalled();
  };
  pump();
}
