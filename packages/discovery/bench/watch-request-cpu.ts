// bench:watch-request — the client's CPU per registry watch answer, by HTTP client: Node's `fetch` (what
// registryRequest sends with when no dispatcher is given), undici's `request` on a kept-alive Agent, and node:http
// with a keep-alive Agent. Each answer is read whole and parsed, as a watch answer is. The server (a watch answer
// of one instance and a policy, ~1.5 KB) runs in its own process, so only the client's CPU is counted
// (process.cpuUsage, user + system). Arms are interleaved round by round in rotated order; per-round ratios to
// `fetch` get Student's t interval (bench-stats meanInterval). Options: --rounds N (30), --requests N (400 per arm
// per round). Load average printed at the start and the end.
import { spawn } from "node:child_process";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { createInterface } from "node:readline";
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import { Agent, request } from "undici";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const ROUNDS = arg("rounds", 30);
const REQUESTS = arg("requests", 400);

const SERVER = `
import { createServer } from "node:http";
const body = JSON.stringify({
  application: { name: "TARGET", instance: [{ instanceId: "t-1", hostName: "127.0.0.1", app: "TARGET",
    ipAddr: "127.0.0.1", status: "UP", port: { $: 8080, "@enabled": "true" }, metadata: { version: "v1" },
    dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
    leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: 90 }, lastUpdatedTimestamp: 1796037125431 }] },
  policy: { service: "TARGET", revision: 7, globalRevision: 7, updatedAt: 1796037125431,
    policy: { destination: { retry: { maxAttempts: 3 }, timeout: { totalMs: 1200 },
      subsets: [{ name: "v1", labels: { version: "v1" } }, { name: "v2", labels: { version: "v2" } }] },
      routes: [{ match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }] },
        { route: [{ subset: "v1", weight: 95 }, { subset: "v2", weight: 5 }] }] } },
});
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "application/json", "x-outrigger-index": "42",
    "x-outrigger-policy-revision": "7", "x-outrigger-policy-reports": "watch" });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

const server = spawn(process.execPath, ["--input-type=module", "-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise<number>((resolve) =>
  createInterface({ input: server.stdout }).once("line", (line) => resolve(Number(line))),
);
const url = `http://127.0.0.1:${port}/outrigger/watch/apps/TARGET?index=41&wait=30000ms`;
const headers = { accept: "application/json", "x-outrigger-client": "c-1", "x-outrigger-policy-nonce": "7" };

const agent = new Agent({ keepAliveTimeout: 60_000 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });

/** One watch answer, read and parsed, per arm. */
const arms: Record<string, () => Promise<unknown>> = {
  fetch: async () => JSON.parse(await (await fetch(url, { headers })).text()),
  "undici.request": async () => {
    const { body } = await request(url, { dispatcher: agent, headers });
    return JSON.parse(await body.text());
  },
  "node:http": () =>
    new Promise((resolve, reject) => {
      httpRequest(url, { agent: httpAgent, headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        answer.on("error", reject);
      })
        .on("error", reject)
        .end();
    }),
};
const names = Object.keys(arms);

async function cpuPerRequestUs(name: string): Promise<number> {
  const arm = arms[name] as () => Promise<unknown>;
  const before = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i += 1) await arm();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / REQUESTS;
}

console.log(`watch answer CPU: ${ROUNDS} rounds × ${REQUESTS} requests per arm; ${loadAverageLine()}`);
for (const name of names) await cpuPerRequestUs(name); // warm-up: JIT, connections
const perArm = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  const order = names.map((_, i) => names[(i + round) % names.length] as string);
  for (const name of order) perArm.get(name)?.push(await cpuPerRequestUs(name));
}
const base = perArm.get("fetch") ?? [];
for (const name of names) {
  const values = perArm.get(name) ?? [];
  const ratio = meanInterval(values.map((v, i) => v / (base[i] ?? Number.NaN)));
  console.log(
    `  ${name.padEnd(15)} ${formatInterval(meanInterval(values), 1)} µs CPU per answer; ratio to fetch ${formatInterval(ratio)}`,
  );
}
console.log(loadAverageLine());
await agent.close();
httpAgent.destroy();
server.kill();
