// Processes' fleet streams for the registry's tests: real loopback servers that answer as a process would, or as a
// hostile one (oversized lines, silence, wrong status). What each saw (paths, authorization) is kept.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseRegistration } from "./instance-info.js";
import type { Registry } from "./registry.js";

/** How the fake process answers a new stream. */
export type Behaviour = (res: ServerResponse) => void;

/** A process's update with one destination, as @outrigger/telemetry sends it. */
export const update = (service: string, figures: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({
    at: 1,
    destinations: [
      {
        service,
        rps: 10,
        errorPct: 0,
        p50Ms: 2,
        p99Ms: 9,
        calls: 100,
        breaker: "closed",
        ejected: [],
        ejectedCount: 0,
        ...figures,
      },
    ],
  })}\n\n`;

/** A stream that sends `first` at once and then stays open. */
export const streaming =
  (first: string): Behaviour =>
  (res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(first);
  };

/** A loopback server answering every request with `behaviour`; `seen` keeps each request's headers. */
export async function fakeProcess(behaviour: Behaviour) {
  const seen: IncomingHttpHeaders[] = [];
  let current = behaviour;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    current(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    behave(next: Behaviour) {
      current = next;
    },
    /** Ends the open streams (the subscriber sees the stream end). */
    drop: () => server.closeAllConnections(),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Registers `app/id` on `registry`, advertising a fleet stream at `advertised` (`"<port><path>"`) when given. */
export function registerProcess(registry: Registry, app: string, id: string, advertised?: string): void {
  const metadata = advertised === undefined ? {} : { "outrigger.fleet-stream": advertised };
  const body = {
    instance: {
      instanceId: id,
      app,
      hostName: "127.0.0.1",
      ipAddr: "127.0.0.1",
      metadata,
      dataCenterInfo: { name: "MyOwn" },
    },
  };
  registry.register(parseRegistration(body, app, registry.clock.now()));
}
