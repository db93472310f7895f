// One upstream instance: an HTTP server with a configurable latency distribution and fault injection, registered
// in the registry. Reports on stdout (JSON lines) and takes commands on stdin.
import { createServer } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { EurekaRegistrar } from "@outrigger/discovery";
import { emit, serveCommands } from "../proc/child.js";
import { epochMs } from "../proc/clock.js";
import { HEALTH_PORT_KEY } from "../variants/policy.js";
import { answerFor, type Behaviour, HEALTHY } from "./behaviour.js";
import { RequestTrace } from "./request-trace.js";
import { SERVER_TIMING, serverTiming } from "./server-timing.js";

const name = process.env.UPSTREAM_NAME ?? "upstream-0";
const registryUrl = process.env.REGISTRY_URL ?? "";
let behaviour: Behaviour = {
  ...HEALTHY,
  ...(JSON.parse(process.env.UPSTREAM_BEHAVIOUR ?? "{}") as Partial<Behaviour>),
};
/** Registration metadata beside the health port: subset labels (e.g. `version`) the control plane routes on. */
const labels = JSON.parse(process.env.UPSTREAM_LABELS ?? "{}") as Record<string, string>;
let requests = 0;
/** TCP connections accepted since start: a client or sidecar that reuses them opens few (`upstreamConnections`). */
let connections = 0;
let errors = 0;
let inFlight = 0;
let first = true;
let lastAt = 0;
/** Every request's arrival, answer and status, when the run traces upstreams (`--trace-upstreams`). */
const trace = new RequestTrace(process.env.UPSTREAM_TRACE === "1");

const server = createServer((request, response) => {
  const startedAt = performance.now();
  if (first) {
    first = false;
    // Sub-ms (epochMs): the policy scenario times a change to this instance's first request.
    emit("first-request", { name, at: epochMs() });
  }
  requests += 1;
  lastAt = epochMs();
  inFlight += 1;
  const arrivedAt = lastAt;
  const arrivedInFlight = inFlight;
  request.resume();
  const answer = answerFor(behaviour, inFlight, Math.random(), Math.random());
  const finish = (): void => {
    inFlight -= 1;
    if (answer.status !== 200) errors += 1;
    trace.record([arrivedAt, epochMs(), answer.status, arrivedInFlight]);
    response
      .writeHead(answer.status, {
        "content-type": "text/plain",
        // The generator subtracts this to measure the path outside the upstream (server-timing.ts).
        [SERVER_TIMING]: serverTiming(performance.now() - startedAt),
      })
      .end(answer.status === 200 ? name : "fail");
  };
  if (answer.delayMs <= 0) finish();
  else setTimeout(finish, answer.delayMs);
});
server.keepAliveTimeout = 60_000;
server.on("connection", () => {
  connections += 1;
});

// The health port (HAProxy's `check port N`): a TCP listener that accepts and closes. It dies with the process.
const health = createTcpServer((socket) => socket.destroy());
await new Promise<void>((resolve) => health.listen(0, "127.0.0.1", resolve));
const healthPort = (health.address() as AddressInfo).port;

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  const registrar = new EurekaRegistrar({
    registryUrl: `${registryUrl}/eureka`,
    instance: {
      app: "upstream",
      host: "127.0.0.1",
      port,
      instanceId: name,
      metadata: { ...labels, [HEALTH_PORT_KEY]: String(healthPort) },
    },
    // Short leases so a killed instance leaves the registry within seconds, as the scenarios need.
    renewIntervalMs: 1_000,
    leaseDurationSec: 3,
  });
  registrar.onRegister(({ reason }) => emit("registered", { name, port, healthPort, reason, at: Date.now() }));
  registrar.onError((error) => emit("registry-error", { name, message: error.message }));
  void registrar.register();
  process.once("SIGTERM", () => {
    void registrar.close().finally(() => process.exit(0));
  });
});

serveCommands(async (command) => {
  switch (command.cmd) {
    case "set":
      behaviour = { ...behaviour, ...(command.behaviour as Partial<Behaviour>) };
      return { behaviour };
    case "stats":
      return { name, requests, errors, lastAt, connections };
    case "trace":
      return { name, ...trace.take() };
    case "reset":
      // `connections` is not reset: it counts from the start, warm-up included, in every scenario alike.
      requests = 0;
      errors = 0;
      return { name };
    default:
      throw new Error(`unknown command ${String(command.cmd)}`);
  }
});
