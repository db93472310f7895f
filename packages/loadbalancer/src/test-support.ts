import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceInstance } from "@outrigger/discovery";

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

/** A real HTTP server on loopback answering with its own name; resolves with its port once listening. */
export async function namedServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ from: name, path: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A loopback port with nothing listening on it: connections are refused. */
export async function deadPort(): Promise<number> {
  const { server, port } = await namedServer("gone");
  await new Promise((resolve) => server.close(resolve));
  return port;
}
