import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { FixedInstancer, type Instancer } from "@outrigger/discovery";
import { createBalancer } from "./balancer.js";
import type { BalancerOptions } from "./balancer-options.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import type { LbDispatcherOptions } from "./undici-dispatcher-options.js";

/** What a field-report instance saw: connections opened and each request's method, headers and body bytes. */
export interface Seen {
  connections: number;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: Buffer }[];
}

/** A loopback HTTP instance (port 0) that reads each request whole, records it, then lets `answer` reply. */
export async function fieldInstance(
  answer: (request: IncomingMessage, response: ServerResponse, n: number) => void,
): Promise<{ server: Server; port: number; seen: Seen; close(): Promise<void> }> {
  const seen: Seen = { connections: 0, requests: [] };
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { method = "", url = "", headers } = request;
    seen.requests.push({ method, url, headers, body: Buffer.concat(chunks) });
    answer(request, response, seen.requests.length);
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return { server, port: (server.address() as AddressInfo).port, seen, close };
}

/**
 * An lb dispatcher for service "svc" over instances at `ports` (ids i0, i1, …), round robin from the first;
 * `balancing`: more of the balancer's options (an in-flight cap, …).
 */
export function lbOver(
  ports: readonly number[],
  extra: Partial<LbDispatcherOptions> = {},
  balancing: Partial<BalancerOptions> = {},
) {
  const instancer = new FixedInstancer(ports.map((port, i) => instance(`i${i}`, "UP", port)));
  const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }), ...balancing });
  const dispatcher = createLbDispatcher({
    balancer: (service) => (service === "svc" ? balancer : undefined),
    instancer: () => instancer,
    ...extra,
  });
  const close = async () => {
    await dispatcher.close();
    balancer.close();
  };
  return { instancer, balancer, dispatcher, close };
}

/** Answers 200 "ok". */
export const ok = (_request: IncomingMessage, response: ServerResponse): void => {
  response.end("ok");
};

/** Answers 503 with a short body. */
export const unavailable = (_request: IncomingMessage, response: ServerResponse): void => {
  response.statusCode = 503;
  response.end("busy");
};

/** Two field instances answering `first` and `second`, an lb dispatcher over them, and one close for all. */
export async function pairOf(
  first: Parameters<typeof fieldInstance>[0],
  second: Parameters<typeof fieldInstance>[0],
  extra: Partial<LbDispatcherOptions> = {},
) {
  const [a, b] = await Promise.all([fieldInstance(first), fieldInstance(second)]);
  const lb = lbOver([a.port, b.port], extra);
  const close = async () => {
    await lb.close();
    await Promise.all([a.close(), b.close()]);
  };
  return { a, b, lb, close };
}

/**
 * A handler answering "ok" once per connection and resetting the connection (TCP RST) when a second request
 * arrives on it: a keep-alive socket the server dropped as the client reused it (nodejs/node#47130).
 */
export function resetOnReuse(): (request: IncomingMessage, response: ServerResponse) => void {
  const uses = new WeakMap<object, number>();
  return (request, response) => {
    const use = (uses.get(request.socket) ?? 0) + 1;
    uses.set(request.socket, use);
    if (use > 1) request.socket.resetAndDestroy();
    else response.end("ok");
  };
}

/** The server-side sockets of `server`, as they connect. */
export function socketsOf(server: Server): Socket[] {
  const sockets: Socket[] = [];
  server.on("connection", (socket: Socket) => sockets.push(socket));
  return sockets;
}

/** `inner` with a count of its live `onChange` subscriptions (`live()`), to check that a client lets go of them. */
export function countedInstancer(inner: Instancer): Instancer & { live(): number } {
  let live = 0;
  return {
    current: () => inner.current(),
    onError: inner.onError,
    close: () => inner.close(),
    onChange: (listener) => {
      live++;
      const sub = inner.onChange(listener);
      let disposed = false;
      return {
        dispose: () => {
          if (!disposed) live--;
          disposed = true;
          sub.dispose();
        },
      };
    },
    live: () => live,
  };
}
