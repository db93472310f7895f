// The benchmark's servers, in their own process so their work does not queue behind the client's event loop.
// Commands arrive as IPC messages; each answer is a message with the same id.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Behaviour, FleetCommand } from "./fleet.js";

interface Instance {
  server: Server;
  port: number;
  behaviour: Behaviour;
  count: number;
  busy: number;
  queue: Array<() => void>;
}

const instances = new Map<string, Instance>();
let jitterSeed = 1;
/** Deterministic jitter (±20%) so runs with the same seed see the same latencies. */
function jitter(): number {
  jitterSeed = (jitterSeed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return 0.8 + 0.4 * (jitterSeed / 2_147_483_648);
}

function handle(name: string, request: IncomingMessage, response: ServerResponse): void {
  const inst = instances.get(name) as Instance;
  inst.count++;
  const { delayMs, status, pool } = inst.behaviour;
  const answer = (): void => {
    response.statusCode = status;
    response.setHeader("content-type", "application/json");
    response.end(`{"from":"${name}"}`);
  };
  if (pool === undefined) {
    if (delayMs <= 0) answer();
    else setTimeout(answer, delayMs * jitter());
    return;
  }
  // A worker pool: `pool` requests are served at once, each for delayMs; the rest wait their turn.
  const run = (): void => {
    inst.busy++;
    setTimeout(() => {
      answer();
      inst.busy--;
      inst.queue.shift()?.();
    }, delayMs * jitter());
  };
  if (inst.busy < pool) run();
  else inst.queue.push(run);
  request.on("close", () => {
    const i = inst.queue.indexOf(run);
    if (i >= 0) inst.queue.splice(i, 1);
  });
}

async function start(name: string, behaviour: Behaviour): Promise<number> {
  const server = createServer((q, r) => handle(name, q, r));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  instances.set(name, { server, port, behaviour, count: 0, busy: 0, queue: [] });
  return port;
}

async function stop(name: string): Promise<void> {
  const inst = instances.get(name);
  if (!inst) return;
  instances.delete(name);
  inst.server.closeAllConnections();
  await new Promise((resolve) => inst.server.close(resolve));
}

process.on("message", async (message: FleetCommand & { id: number }) => {
  let result: unknown = null;
  if (message.cmd === "start") result = await start(message.name, message.behaviour);
  else if (message.cmd === "set") (instances.get(message.name) as Instance).behaviour = message.behaviour;
  else if (message.cmd === "stop") await stop(message.name);
  else if (message.cmd === "seed") jitterSeed = message.seed;
  else if (message.cmd === "counts") {
    result = Object.fromEntries([...instances].map(([n, i]) => [n, i.count]));
    for (const i of instances.values()) i.count = 0;
  } else if (message.cmd === "stopAll") for (const n of [...instances.keys()]) await stop(n);
  process.send?.({ id: message.id, result });
});
process.send?.({ id: 0, result: "ready" });
