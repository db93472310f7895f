// bench:policy-push — from `apply` (a PUT of a new revision on the registry) to each of 20 client processes running
// it (their ACK), p99 with a distribution-free interval over ≥ 4 000 samples; goal ≤ 50 ms on loopback (issue #19).
// The registry and one backend run in this process; each client is its own process. Load average printed.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { atMost, formatInterval, loadAverageLine, quantileInterval } from "@outrigger/bench-stats";
import { startServer } from "@outrigger/registry-server";
import { createOutrigger } from "../src/index.js";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const CLIENTS = arg("clients", 20);
const APPLIES = arg("applies", 200);
const GOAL_MS = 50;

console.log(`policy push: ${CLIENTS} client processes × ${APPLIES} applies; ${loadAverageLine()}`);
const registry = await startServer({ port: 0 });
const eureka = `${registry.url}/eureka`;
const backend = await createOutrigger({
  service: "target",
  port: 0,
  config: { outrigger: { registry: { url: eureka }, instance: { host: "127.0.0.1" }, shutdown: { signals: [] } } },
  logger: { warn: () => {} },
});
await backend.listen(
  createServer((_request, response) => response.end("ok")),
  "127.0.0.1",
);

type Line = { event: string; revision?: number; at?: number };
const expected = new Map<number, { left: number; started: number; samples: number[]; done: () => void }>();
const children = Array.from({ length: CLIENTS }, () => {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@outrigger/source",
      "--import",
      "tsx",
      new URL("./policy-push-client.ts", import.meta.url).pathname,
      eureka,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const ready = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as Line;
      if (line.event === "ready") resolve();
      const round = line.event === "apply" && line.revision !== undefined ? expected.get(line.revision) : undefined;
      if (round && line.at !== undefined) {
        round.samples.push(line.at - round.started);
        round.left -= 1;
        if (round.left === 0) round.done();
      }
    });
  });
  return { child, ready };
});
await Promise.all(children.map((c) => c.ready));

const samples: number[] = [];
for (let revision = 1; revision <= APPLIES; revision += 1) {
  const done = new Promise<void>((resolve) => {
    expected.set(revision, { left: CLIENTS, started: 0, samples, done: resolve });
  });
  const round = expected.get(revision) as { started: number };
  round.started = performance.timeOrigin + performance.now();
  const answer = await fetch(`${registry.url}/outrigger/policy/services/target`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      destination: { retry: { maxAttempts: 1 + (revision % 3) }, timeout: { totalMs: 1_000 + revision } },
    }),
  });
  await answer.arrayBuffer();
  await done;
}

const p99 = quantileInterval(samples, 0.99);
const p50 = quantileInterval(samples, 0.5);
const verdict = atMost(p99, GOAL_MS);
console.log(`samples ${samples.length}; p50 ${formatInterval(p50)} ms; p99 ${formatInterval(p99)} ms (95% interval)`);
console.log(`goal p99 ≤ ${GOAL_MS} ms: ${verdict}; ${loadAverageLine()}`);
for (const { child } of children) child.kill("SIGTERM");
await backend.close();
await registry.close();
