import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry as MetricsRegistry } from "prom-client";
import type { ServerContext } from "../context.js";
import { unhandledRejections } from "../process-safety.js";

/** Prometheus metrics of the registry; `collect` callbacks read live state on each scrape, so nothing drifts. */
function createMetrics(ctx: ServerContext): { metrics: MetricsRegistry; http: Histogram<string> } {
  const metrics = new MetricsRegistry();
  const { registry, selfPreservation } = ctx;
  new Gauge({
    name: "outrigger_registry_instances",
    help: "Registered instances by application and status",
    labelNames: ["app", "status"],
    registers: [metrics],
    collect() {
      this.reset();
      for (const [app, leases] of registry.applications()) {
        for (const { info } of leases) this.inc({ app, status: info.status });
      }
    },
  });
  const sp = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics],
      collect() {
        this.set(read());
      },
    });
  sp(
    "outrigger_registry_renews_last_minute",
    "Renews received in the last whole minute",
    () => selfPreservation.state().renewsLastMinute,
  );
  sp(
    "outrigger_registry_renews_expected_per_minute",
    "Renews expected per minute from the registered instances",
    () => selfPreservation.state().expectedRenewsPerMinute,
  );
  sp(
    "outrigger_registry_renew_threshold",
    "Renews per minute below which self-preservation starts",
    () => selfPreservation.state().threshold,
  );
  sp("outrigger_registry_self_preservation_active", "1 while self-preservation suspends eviction", () =>
    selfPreservation.state().active ? 1 : 0,
  );
  sp("outrigger_registry_self_preservation_enabled", "1 when self-preservation is switched on", () =>
    selfPreservation.state().enabled ? 1 : 0,
  );
  new Counter({
    name: "outrigger_registry_evictions_total",
    help: "Leases evicted because they expired",
    registers: [metrics],
    collect() {
      this.reset();
      this.inc(ctx.evictor.total);
    },
  });
  const perPeer = (name: string, help: string, read: (p: ReturnType<ServerContext["peers"]>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["peer"],
      registers: [metrics],
      collect() {
        this.reset();
        for (const peer of ctx.peers()) this.set({ peer: peer.url }, read(peer));
      },
    });
  new Counter({
    name: "outrigger_registry_unhandled_rejections_total",
    help: "Promise rejections nobody handled, logged and survived (each one is a bug to report)",
    registers: [metrics],
    collect() {
      this.reset();
      this.inc(unhandledRejections());
    },
  });
  perPeer("outrigger_registry_replication_failures_total", "Failed replication batches per peer", (p) => p.failures);
  perPeer(
    "outrigger_registry_replication_lag_seconds",
    "Age of the oldest unsent replication task per peer",
    (p) => p.lagMs / 1000,
  );
  perPeer("outrigger_registry_replication_pending", "Replication tasks waiting per peer", (p) => p.pending);
  const http = new Histogram({
    name: "outrigger_registry_http_request_duration_seconds",
    help: "HTTP request durations by method, route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
    registers: [metrics],
  });
  return { metrics, http };
}

/**
 * `GET /metrics` in Prometheus' text format, plus an `onResponse` hook timing every request. Installed on the root
 * instance (not as an encapsulated plugin) so the hook sees every route.
 */
export function installMetrics(app: FastifyInstance, ctx: ServerContext): ObserveRequest {
  const { metrics, http } = createMetrics(ctx);
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    http.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.get("/metrics", async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  // Label sets are few (route × status); a kept child skips prom-client's label hashing on every renewal.
  const children = new Map<string, { observe(seconds: number): void }>();
  return (route, status, seconds) => {
    const key = `${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = http.labels({ method: "PUT", route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  };
}

/** Records one PUT answered outside the framework (the renewal fast path) in the request-duration histogram. */
export type ObserveRequest = (route: string, status: number, seconds: number) => void;
