import { createServer, type Server } from "node:http";
import { createOutrigger, type Outrigger } from "./outrigger.js";

/** An `inventory`-style instance on loopback, wired by og and registered at `registryUrl` (…/eureka). */
export async function startInstance(
  service: string,
  registryUrl: string,
  handler: (path: string) => Promise<string> | string = () => "ok",
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
      response.end(await handler(request.url ?? "/"));
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
