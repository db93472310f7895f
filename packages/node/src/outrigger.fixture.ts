import { createServer, type Server, type ServerResponse } from "node:http";
import { createOutrigger, type Outrigger } from "./outrigger.js";

/**
 * An `inventory`-style instance on loopback, wired by og and registered at `registryUrl` (…/eureka); `handler`
 * returns the body and may set the response's status.
 */
export async function startInstance(
  service: string,
  registryUrl: string,
  handler: (path: string, response: ServerResponse) => Promise<string> | string = () => "ok",
): Promise<{ og: Outrigger; server: Server }> {
  const og = await createOutrigger({
    service,
    port: 0,
    config: {
      outrigger: {
        registry: { url: registryUrl, renewIntervalMs: 1_000 },
        instance: { host: "127.0.0.1" },
        shutdown: { signals: [], graceMs: 5_000 },
      },
    },
    logger: { warn: () => {} },
  });
  const server = createServer(
    og.inbound.nodeHandler(async (request, response) => {
      response.end(await handler(request.url ?? "/", response));
    }),
  );
  await og.listen(server, "127.0.0.1");
  return { og, server };
}

/** A client-only og (no registration) reading services from `registryUrl`. */
export function startClient(registryUrl: string, clients: Record<string, unknown> = {}): Promise<Outrigger> {
  return createOutrigger({
    service: "orders",
    port: 0,
    config: {
      outrigger: { registry: { url: registryUrl, enabled: false }, shutdown: { signals: [] }, clients },
    },
    logger: { warn: () => {} },
  });
}
