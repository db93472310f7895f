import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceInstance } from "@outrigger/discovery";

/** A running `hello` backend on loopback and the instance that describes it. */
export interface Backend {
  readonly instance: ServiceInstance;
  close(): Promise<void>;
}

function instance(id: string, service: string, port: number, zone: string): ServiceInstance {
  return { id, service, host: "127.0.0.1", port, secure: false, zone, status: "UP", metadata: {} };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** Starts an HTTP server answering `{ from: id }` on a free loopback port, as an instance of `service`. */
export async function startBackend(id: string, zone: string, service = "hello"): Promise<Backend> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ from: id }));
  });
  const port = await listen(server);
  return {
    instance: instance(id, service, port, zone),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An instance whose port was free a moment ago and is closed now: every call to it is refused. */
export async function deadInstance(id: string): Promise<ServiceInstance> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return instance(id, "ghost", port, "a");
}
