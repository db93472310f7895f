import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** What `/health` reports. */
export interface HealthState {
  readonly service: string;
  readonly draining: boolean;
  readonly registered: boolean;
}

/** A stream mounted beside `/metrics` (the fleet stream of `@outrigger/telemetry`'s `createFleetStream`). */
export interface MountedStream {
  /** The path it answers. */
  readonly path: string;
  /** Answers a request for `path` (it checks its own method and token). */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Given og's retry budgets (`balanceOf`), when the stream reports them (telemetry's fleet stream does). */
  useBudget?(budget: (service: string) => number | undefined): void;
}

/**
 * A node:http request listener serving `GET /metrics` (Prometheus text from `registry`) and `GET /health` (200
 * `{"status":"UP"}`, 503 `{"status":"DRAINING"}` once shutdown began, so a Kubernetes readiness probe takes the pod
 * out too), and `stream.path` when a stream is mounted; anything else is 404. Mount it on your server or let og
 * serve it on `admin.port`.
 */
export function createAdminHandler(registry: Registry, health: () => HealthState, stream?: MountedStream) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? "/").split("?")[0];
    if (stream && path === stream.path) {
      stream.handle(request, response);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
      return;
    }
    if (path === "/health") {
      const state = health();
      const body = JSON.stringify({ status: state.draining ? "DRAINING" : "UP", ...state });
      response.writeHead(state.draining ? 503 : 200, { "content-type": "application/json" }).end(body);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found: /metrics or /health"}');
  };
}
