import { createServer, type RequestListener } from "node:http";
import { createOutrigger, type Outrigger } from "@outrigger/node";
import { type RunningServer, startServer } from "@outrigger/registry-server";

/** The demo's world on loopback: a registry and the instances the caller reaches through it. */
export interface World {
  /** The registry's Eureka base URL, for the caller's `outrigger.registry.url`. */
  readonly registryUrl: string;
  /** Requests `flaky` received: every attempt of every call, retries included. */
  flakyRequests(): number;
  close(): Promise<void>;
}

const json =
  (body: object, status = 200): RequestListener =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

/** One instance of `service` in `zone`, registered with the registry at `url` (and drained on close) by og. */
async function instance(url: string, service: string, zone: string, handler: RequestListener): Promise<Outrigger> {
  const og = await createOutrigger({
    service,
    port: 0,
    config: {
      outrigger: {
        registry: { url },
        instance: { host: "127.0.0.1", zone },
        // Many services in one process: the demo closes them; a signal must not drain them all on its own.
        shutdown: { signals: [], graceMs: 1_000 },
      },
    },
  });
  await og.listen(createServer(og.inbound.nodeHandler(handler)));
  return og;
}

/**
 * Starts a registry on a free loopback port and four registered instances: `hello` in zones a and b (each answers
 * `{ from: "hello-a" }` / `"hello-b"`), `quota` (a quota-bound API) and `flaky`, which answers every request 503,
 * so each attempt of a call to it is one more request it counts.
 */
export async function startWorld(): Promise<World> {
  const registry: RunningServer = await startServer({ port: 0, host: "127.0.0.1" });
  const url = `${registry.url}/eureka`;
  let flaky = 0;
  const flaky503 = json({ error: "unavailable" }, 503);
  const instances = await Promise.all([
    instance(url, "hello", "a", json({ from: "hello-a" })),
    instance(url, "hello", "b", json({ from: "hello-b" })),
    instance(url, "quota", "a", json({ from: "quota-1" })),
    instance(url, "flaky", "a", (req, res) => {
      flaky++;
      flaky503(req, res);
    }),
  ]);
  return {
    registryUrl: url,
    flakyRequests: () => flaky,
    async close() {
      await Promise.all(instances.map((og) => og.close()));
      await registry.close();
    },
  };
}
