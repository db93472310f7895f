// Real Prometheus (Debian's `prometheus` 2.42, `.ci/debian-packages`) scraping a registry-server process and two
// SDK processes (createOutrigger from @outrigger/node with registerPrometheus on /metrics). The test sends a known
// number of calls — some answered 5xx, one instance ejected by outlier detection — and checks what PromQL answers:
// calls and their rate by service, the error ratio, the ejection, and the registry's instances.
import { createServer, type Server } from "node:http";
import { createOutrigger, type Outrigger } from "@outrigger/node";
import { type JsonLinesChild, spawnJsonLines } from "@outrigger/process-fixtures";
import { afterAll, expect, it } from "vitest";
import { type PrometheusProcess, pollUntil, type Sample, startPrometheus } from "./prometheus-server.fixture.js";

const REGISTRY_CLI = new URL("../../registry-server/src/cli.ts", import.meta.url).pathname;
const SDK_CHILD = new URL("./prometheus-sdk-child.fixture.ts", import.meta.url).pathname;
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** An instance of `service` in this process, registered through og, answering `status(path)`. */
async function instance(registryUrl: string, service: string, status: (path: string) => number) {
  const og: Outrigger = await createOutrigger({
    service,
    port: 0,
    config: {
      outrigger: {
        registry: { url: registryUrl, renewIntervalMs: 1_000 },
        instance: { host: "127.0.0.1" },
        shutdown: { signals: [], graceMs: 1_000 },
      },
    },
    logger: { warn: () => {} },
  });
  const server: Server = createServer(og.inbound.nodeHandler((q, r) => r.writeHead(status(q.url ?? "/")).end("x")));
  await og.listen(server, "127.0.0.1");
  stops.push(() => og.close());
  return og.port;
}

/** An SDK process (see prometheus-sdk-child.fixture.ts) calling services with the `services` client policies. */
async function sdk(service: string, registryUrl: string, services: object) {
  const clients = JSON.stringify({ services });
  const child = await spawnJsonLines(
    SDK_CHILD,
    [],
    { SERVICE: service, REGISTRY_URL: registryUrl, CLIENTS: clients },
    "ready",
  );
  stops.push(() => child.stop());
  let id = 0;
  const run = async (url: string, count: number) => {
    id += 1;
    child.send({ id, url, count });
    return (await child.next("done")).statuses as Record<string, number>;
  };
  return { child: child as JsonLinesChild, target: `127.0.0.1:${child.ready.port}`, run };
}

/** One number per `label` value of a query's answer. */
const by = (samples: Sample[], label: string) =>
  Object.fromEntries(samples.map((s) => [s.metric[label] ?? "", s.value]));

/** Resolves with the time once Prometheus's `query` by `label` is `expected` (each target scraped after the calls). */
async function whenScraped(prometheus: PrometheusProcess, query: string, label: string, expected: object) {
  await pollUntil(
    `Prometheus answers ${query} = ${JSON.stringify(expected)}`,
    async () => by(await prometheus.query(query), label),
    (answer) => JSON.stringify(Object.entries(answer).sort()) === JSON.stringify(Object.entries(expected).sort()),
  );
  return Date.now() / 1000;
}

it("PromQL over a registry and two SDK processes answers what the test sent: calls, rate, error ratio, ejection", async () => {
  const registry = await spawnJsonLines(REGISTRY_CLI, ["--port", "0", "--host", "127.0.0.1"], {}, "listening");
  stops.push(() => registry.stop());
  const registryUrl = `${registry.ready.url}/eureka`;
  const goodPort = await instance(registryUrl, "inventory", () => 200);
  const badPort = await instance(registryUrl, "inventory", () => 503);
  await instance(registryUrl, "pricing", (path) => (path === "/fail" ? 500 : 200));
  // Round robin and no retry: each call is one attempt, in a known order. Three 503s in a row eject the bad
  // inventory instance (Envoy's consecutive_5xx) for the rest of the test.
  const once = { rule: { name: "round-robin" }, retry: { maxAttempts: 1 } };
  const orders = await sdk("orders", registryUrl, {
    inventory: {
      ...once,
      outlierDetection: { consecutive5xx: 3, maxEjectionPercent: 50, baseEjectionTimeMs: 600_000 },
    },
  });
  const billing = await sdk("billing", registryUrl, { pricing: { ...once, outlierDetection: false } });
  const prometheus = await startPrometheus([
    { job: "registry", targets: [`127.0.0.1:${registry.ready.port}`] },
    { job: "sdk", targets: [orders.target, billing.target] },
  ]);
  stops.push(() => prometheus.stop());

  // First batch: every series the rate is computed over exists (one success and one failure per service).
  expect(await orders.run("lb://inventory/items", 2)).toEqual({ 200: 1, 503: 1 });
  expect(await billing.run("lb://pricing/price", 1)).toEqual({ 200: 1 });
  expect(await billing.run("lb://pricing/fail", 1)).toEqual({ 500: 1 });
  const calls = "sum by (outrigger_service) (outrigger_lb_calls_total)";
  const firstScraped = await whenScraped(prometheus, calls, "outrigger_service", { inventory: 2, pricing: 2 });
  // Second batch: 18 inventory calls (2 more 503s, then the bad instance is ejected), 8 pricing calls (2 fail).
  expect(await orders.run("lb://inventory/items", 18)).toEqual({ 200: 16, 503: 2 });
  expect(await billing.run("lb://pricing/price", 6)).toEqual({ 200: 6 });
  expect(await billing.run("lb://pricing/fail", 2)).toEqual({ 500: 2 });
  const at = await whenScraped(prometheus, calls, "outrigger_service", { inventory: 20, pricing: 10 });

  const query = async (promql: string, label = "outrigger_service") => by(await prometheus.query(promql, at), label);
  expect(await query('sum by (job) (up{job=~"registry|sdk"})', "job")).toEqual({ registry: 1, sdk: 2 });
  expect(
    await query(
      'sum by (outrigger_service) (outrigger_lb_calls_total{outcome="failure"}) / sum by (outrigger_service) (outrigger_lb_calls_total)',
    ),
  ).toEqual({ inventory: 3 / 20, pricing: 3 / 10 });
  // Per attempt, by instance: every 503 came from the bad instance, which was then ejected once.
  expect(
    await query(
      'sum by (server_port) (http_client_request_duration_seconds_count{outrigger_service="inventory", http_response_status_code="503"})',
      "server_port",
    ),
  ).toEqual({ [badPort]: 3 });
  expect(
    await query(
      'sum by (server_port) (http_client_request_duration_seconds_count{outrigger_service="inventory"})',
      "server_port",
    ),
  ).toEqual({ [goodPort]: 17, [badPort]: 3 });
  expect(await query("sum by (outrigger_service) (outrigger_lb_ejections_total)")).toEqual({ inventory: 1 });
  expect(await query('sum by (app) (outrigger_registry_instances{status="UP"})', "app")).toMatchObject({
    INVENTORY: 2,
    PRICING: 1,
    ORDERS: 1,
    BILLING: 1,
  });

  // rate() over a window holding a first-batch sample and the last one: Prometheus extrapolates the increase it
  // saw between its first and last samples towards the window's edges (promql/functions.go extrapolatedRate), so
  // per series rate lies between increase/window and increase/sampled-span; the increase is the second batch.
  const window = Math.ceil(at - firstScraped) + 3;
  const raw = await fetchRaw(prometheus, `outrigger_lb_calls_total[${window}s]`, at);
  const rates = await query(`sum by (outrigger_service) (rate(outrigger_lb_calls_total[${window}s]))`);
  for (const [service, sent] of [
    ["inventory", 18],
    ["pricing", 8],
  ] as const) {
    const series = raw.filter((s) => s.metric.outrigger_service === service);
    const increase = series.reduce((sum, s) => sum + s.increase, 0);
    expect(increase).toBe(sent);
    const upper = series.reduce((sum, s) => sum + s.increase / s.span, 0);
    expect(rates[service]).toBeGreaterThanOrEqual(sent / window - 1e-9);
    expect(rates[service]).toBeLessThanOrEqual(upper + 1e-9);
  }
}, 90_000);

/** A range selector's raw samples at `at`: per series, last minus first value and the seconds between them. */
async function fetchRaw(prometheus: PrometheusProcess, selector: string, at: number) {
  const answer = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(selector)}&time=${at}`);
  const { data } = (await answer.json()) as {
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  return data.result.map(({ metric, values }) => {
    const [t0, v0] = values[0] as [number, string];
    const [t1, v1] = values[values.length - 1] as [number, string];
    return { metric, increase: Number(v1) - Number(v0), span: t1 - t0 };
  });
}
