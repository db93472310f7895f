import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "../balancer.js";
import { RoundRobinRule } from "../round-robin.js";
import { instance } from "../test-support.js";

/** How a loopback instance of the seam suite behaves. */
export type Behaviour =
  | "ok"
  | "refuse"
  | "503"
  | "429-retry-after-1s"
  | "503-retry-after-120s"
  | "reset-before-read"
  | "reset-after-read"
  | "hang";

/** A real HTTP instance on loopback and what reached it. */
export interface SeamInstance {
  readonly id: Behaviour;
  readonly port: number;
  /** Requests whose handler ran (the server read the request line and headers). */
  received: number;
  /** Requests read whole and acted on (a side effect a duplicate would repeat). */
  processed: number;
  /** Body bytes of each request read whole. */
  readonly bodies: number[];
}

async function readBody(request: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of request) bytes += (chunk as Buffer).length;
  return bytes;
}

/** Starts one instance per behaviour on port 0 ("refuse": a port nothing listens on); `close()` stops them all. */
export async function startInstances(behaviours: readonly Behaviour[]) {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const started = new Map<Behaviour, SeamInstance>();
  for (const id of behaviours) {
    const state: SeamInstance = { id, port: 0, received: 0, processed: 0, bodies: [] };
    const server = createServer(async (request, response) => {
      state.received++;
      if (id === "hang") return;
      const bytes = await readBody(request);
      state.processed++;
      state.bodies.push(bytes);
      if (id === "reset-after-read") {
        // The side effect is done; the answer is lost: the client sees ECONNRESET after it sent everything.
        request.socket.resetAndDestroy();
        return;
      }
      const [status, headers] =
        id === "503"
          ? [503, {}]
          : id === "429-retry-after-1s"
            ? [429, { "retry-after": "1" }]
            : id === "503-retry-after-120s"
              ? [503, { "retry-after": "120" }]
              : [200, {}];
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(JSON.stringify({ from: id, bytes }));
    });
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      if (id === "reset-before-read") socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    if (id === "refuse") await new Promise((resolve) => server.close(resolve));
    else servers.push(server);
    // The handler closes over `state`: keep that one object.
    Object.assign(state, { port });
    started.set(id, state);
  }
  return {
    get: (id: Behaviour) => started.get(id) as SeamInstance,
    /** A balancer over the named instances, round robin from the first (a new one per case). */
    balancer: (ids: readonly Behaviour[]) =>
      createBalancer({
        instancer: new FixedInstancer(ids.map((id) => instance(id, "UP", (started.get(id) as SeamInstance).port))),
        rule: new RoundRobinRule({ random: () => 0 }),
      }),
    reset: () => {
      for (const state of started.values()) {
        state.received = 0;
        state.processed = 0;
        state.bodies.length = 0;
      }
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
