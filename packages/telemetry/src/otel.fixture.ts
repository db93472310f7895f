// Test fixtures: the official OpenTelemetry JS SDK's in-memory exporter and metric reader, real loopback servers,
// and balancers over them. Not part of the package (files: !src/**/*.fixture.ts).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { type BalancerOptions, createBalancer, type StatefulBalancer } from "@outrigger/loadbalancer";

/** Registers what an application's SDK set-up registers globally: async context and the W3C propagators. */
export function registerGlobals(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/** A tracer provider exporting every ended span to memory. */
export function memoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider, spans: (): ReadableSpan[] => exporter.getFinishedSpans() };
}

/**
 * A meter provider whose reader exports to memory when `collect()` is called (cumulative temporality), reading
 * `metricProducers` too.
 */
export function memoryMetrics(metricProducers: MetricProducer[] = []) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval only bounds a background export nobody waits for; tests call forceFlush.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers });
  const provider = new MeterProvider({ readers: [reader] });
  /** Every metric of a fresh export, with its scope. */
  const exported = async () => {
    exporter.reset();
    await reader.forceFlush();
    return exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m): [string, MetricData] => [s.scope.name, m])));
  };
  return {
    provider,
    exported,
    /** Every data point of `name` from a fresh export. */
    async points(name: string) {
      const metrics = (await exported()).map(([, m]) => m);
      return metrics
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as ReadonlyArray<DataPoint<number | Histogram>>);
    },
    close: () => provider.shutdown(),
  };
}

/** What one loopback server does with a request: answer with a status, or wait for `release` first. */
export type Answer = { status: number; release?: Promise<void> };

/** Real HTTP servers on loopback; `answer(name, n)` decides each response (n counts requests across all servers). */
export async function loopbackServers(
  names: readonly string[],
  answer: (name: string, n: number) => Answer = () => ({ status: 200 }),
) {
  const seen: Array<{ name: string; headers: IncomingHttpHeaders }> = [];
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  const arrived: Array<() => void> = [];
  for (const name of names) {
    const server = createServer((request, response) => {
      seen.push({ name, headers: request.headers });
      for (const wake of arrived.splice(0)) wake();
      const { status, release } = answer(name, seen.length);
      const reply = () => {
        response.statusCode = status;
        response.end(JSON.stringify({ from: name }));
      };
      if (release) release.then(reply);
      else reply();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    ports[name] = (server.address() as AddressInfo).port;
  }
  return {
    ports,
    seen,
    /** Resolves when the next request arrives at any server. */
    nextArrival: () => new Promise<void>((resolve) => arrived.push(resolve)),
    instance: (name: string): ServiceInstance => ({
      id: name,
      service: "svc",
      host: "127.0.0.1",
      port: ports[name] as number,
      secure: false,
      status: "UP",
      metadata: {},
      zone: "zone-a",
    }),
    close: () => {
      for (const s of servers) s.closeAllConnections();
      return Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

/** A round-robin balancer over `instances`, outlier detection off unless asked. */
export function balancerOver(
  instances: readonly ServiceInstance[],
  outlierDetection: BalancerOptions["outlierDetection"] = false,
): StatefulBalancer {
  return createBalancer({ instancer: new FixedInstancer(instances), outlierDetection });
}

/** The span named `name`; fails the test when there is not exactly one. */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", got ${spans.map((s) => s.name).join(", ")}`);
  return found[0] as ReadableSpan;
}
